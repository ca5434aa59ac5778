"""Run loggers: ``get_run_logger()`` inside a flow or task; records are stored with the run."""

from riverrun.logging.loggers import get_logger, get_run_logger, print_as_log

__all__ = ["get_logger", "get_run_logger", "print_as_log"]
