"""Run loggers: ``get_run_logger()`` inside a flow or task; records are stored with the run."""

from riverrun.logging.loggers import (
    LogEavesdropper,
    disable_logger,
    disable_run_logger,
    flow_run_logger,
    get_logger,
    get_run_logger,
    print_as_log,
    task_run_logger,
)

__all__ = [
    "LogEavesdropper",
    "disable_logger",
    "disable_run_logger",
    "flow_run_logger",
    "get_logger",
    "get_run_logger",
    "print_as_log",
    "task_run_logger",
]
