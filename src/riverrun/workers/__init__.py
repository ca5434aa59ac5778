"""Workers: processes that claim a work pool's flow runs and run them (Prefect's
``prefect.workers``). ``riverrun worker start --pool NAME`` starts a ``ProcessWorker``."""

from __future__ import annotations

from riverrun.workers.base import BaseWorker, WorkerError
from riverrun.workers.process import ProcessWorker

__all__ = ["BaseWorker", "ProcessWorker", "WorkerError"]
