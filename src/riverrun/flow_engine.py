"""Where Prefect 3 users import ``FlowRunTimeoutError`` from (``prefect.flow_engine``)."""

from riverrun.exceptions import FlowRunTimeoutError

__all__ = ["FlowRunTimeoutError"]
