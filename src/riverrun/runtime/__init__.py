"""Facts about the current run, readable anywhere: ``riverrun.runtime.flow_run.id``."""

from riverrun.runtime import deployment, flow_run, task_run

__all__ = ["deployment", "flow_run", "task_run"]
