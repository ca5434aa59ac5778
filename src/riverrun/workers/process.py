"""``ProcessWorker``: runs each flow run in a subprocess on this machine (Prefect's).

A run's job comes from the pool's base job template, overlaid with the deployment's
``job_variables`` — ``env`` (added to this process's environment), ``working_dir`` (default,
as Prefect: a fresh temporary directory, removed afterwards), ``command`` (a custom command,
run with ``RIVERRUN__FLOW_RUN_ID`` set; default: riverrun's own executor) and
``stream_output`` (default true: the run's output goes to the worker's). Every run's process
also gets the run's ID and its lease token (``RIVERRUN__FLOW_RUN_ID``,
``RIVERRUN_FLOW_RUN_LEASE_TOKEN``): the flow process renews the lease the worker claimed, so
the run goes on if the worker dies, and its renewals are fenced if the lease was taken over.

The default command forks the run's process from a fork server that has imported riverrun
(``deployments/_launch.py``, shared with ``serve()``), so a claimed run's body starts without
paying interpreter start-up, however many runs arrive at once; a custom ``command`` is a plain
subprocess.
"""

from __future__ import annotations

import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from riverrun._engine.lease_state import FLOW_RUN_ID_ENV, LEASE_TOKEN_ENV
from riverrun.deployments._launch import (
    Launcher,
    RunProcess,
    child_env,
    exit_description,
    wait_or_kill,
)
from riverrun.deployments._launch import terminate as _terminate
from riverrun.schemas import objects as o
from riverrun.workers.base import BaseWorker

_GRACE_S = 10.0


@dataclass
class _Job:
    process: RunProcess
    temp_dir: str | None


class ProcessWorker(BaseWorker):
    """Runs flow runs as subprocesses (work pool type ``process``)."""

    type = "process"
    job_configuration_keys = ("command", "env", "labels", "name", "stream_output", "working_dir")

    def __init__(self, work_pool_name: str, **kwargs: Any) -> None:
        super().__init__(work_pool_name, **kwargs)
        self._jobs: dict[str, _Job] = {}
        self._launcher = Launcher()

    @classmethod
    def get_default_base_job_template(cls) -> dict[str, Any]:
        """Prefect 3.9.1's process job template (command, env, labels, name, stream_output,
        working_dir)."""
        from riverrun._store.work_pools import process_base_job_template

        return process_base_job_template()

    def running(self) -> list[str]:
        return list(self._jobs)

    # -- starting a run ------------------------------------------------------------------------------
    def job_variables(self, claimed: o.WorkerFlowRunResponse) -> dict[str, Any]:
        """The template's defaults overlaid with the deployment's ``job_variables``."""
        pool = self.work_pool
        template = pool.base_job_template if pool is not None else {}
        props = (template.get("variables") or {}).get("properties") or {}
        values: dict[str, Any] = {k: spec.get("default") for k, spec in props.items()}
        run = claimed.flow_run
        if run.deployment_id is not None:
            deployment = self._backend.read_deployment(run.deployment_id)
            values.update(deployment.job_variables or {})
        return values

    def start_run(self, claimed: o.WorkerFlowRunResponse) -> None:
        run = claimed.flow_run
        try:
            variables = self.job_variables(claimed)
        except Exception as exc:  # noqa: BLE001 - the run fails to start; the worker goes on
            self.crash_if_unfinished(run.id, f"The worker could not prepare the run: {exc}")
            return
        env = {str(k): str(v) for k, v in (variables.get("env") or {}).items() if v is not None}
        env[FLOW_RUN_ID_ENV] = run.id
        token = self.tokens.get(run.id)
        if token is not None:
            env[LEASE_TOKEN_ENV] = str(token)
        working_dir = variables.get("working_dir")
        temp_dir = None
        if not working_dir:
            temp_dir = working_dir = tempfile.mkdtemp(prefix="riverrun-run-")
        quiet = variables.get("stream_output") is False
        command = variables.get("command")
        process: RunProcess
        if command:
            process = subprocess.Popen(
                shlex.split(str(command)), cwd=str(working_dir),
                env={**child_env(), **env},
                stdout=subprocess.DEVNULL if quiet else None,
                stderr=subprocess.DEVNULL if quiet else None,
            )  # fmt: skip
        else:
            process = self._launcher.launch(
                run.id, env={**child_env(), **env}, cwd=str(working_dir), quiet=quiet,
                on_load_error="crash",
            )  # fmt: skip
        self._jobs[run.id] = _Job(process, temp_dir)

    # -- finishing -------------------------------------------------------------------------------------
    def reap(self) -> None:
        for run_id, job in list(self._jobs.items()):
            code = job.process.poll()
            if code is None:
                continue
            del self._jobs[run_id]
            if job.temp_dir is not None:
                shutil.rmtree(job.temp_dir, ignore_errors=True)
            self.crash_if_unfinished(
                run_id, f"Its process {exit_description(code)} before the run finished."
            )

    def kill_run(self, run_id: str) -> None:
        job = self._jobs.pop(run_id, None)
        if job is not None:
            _terminate(job.process)
            if job.temp_dir is not None:
                shutil.rmtree(job.temp_dir, ignore_errors=True)

    def stop_runs(self) -> None:
        for job in self._jobs.values():
            if job.process.poll() is None:
                job.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _GRACE_S
        for run_id, job in list(self._jobs.items()):
            wait_or_kill(job.process, deadline)
            self.crash_if_unfinished(
                run_id, f"Worker {self.name!r} shut down while the run was in progress."
            )
            if job.temp_dir is not None:
                shutil.rmtree(job.temp_dir, ignore_errors=True)
        self._jobs.clear()
        self._launcher.close()  # after the runs: it reports their exit codes

    def run(self, *args: Any, **kwargs: Any) -> None:
        """Run the worker (``BaseWorker.run``), its fork server importing meanwhile."""
        self._launcher.start()
        try:
            super().run(*args, **kwargs)
        finally:  # the worker could not start (no pool...): no fork server left behind
            self._launcher.close()
