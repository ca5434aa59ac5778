"""Where Prefect 3 users import ``TaskRunTimeoutError`` from (``prefect.task_engine``)."""

from riverrun.exceptions import TaskRunTimeoutError

__all__ = ["TaskRunTimeoutError"]
