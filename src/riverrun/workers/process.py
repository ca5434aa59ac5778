"""``ProcessWorker``: runs each flow run in a subprocess on this machine (Prefect's).

A run's job comes from the pool's base job template, overlaid with the deployment's
``job_variables`` — ``env`` (added to this process's environment), ``working_dir`` (default,
as Prefect: a fresh temporary directory, removed afterwards), ``command`` (a custom command,
run with ``RIVERRUN__FLOW_RUN_ID`` set; default: riverrun's own executor) and
``stream_output`` (default true: the run's output goes to the worker's). Every run's process
also gets the run's ID and its lease token (``RIVERRUN__FLOW_RUN_ID``,
``RIVERRUN_FLOW_RUN_LEASE_TOKEN``): the flow process renews the lease the worker claimed, so
the run goes on if the worker dies, and its renewals are fenced if the lease was taken over.

The default command uses the warm spare of ``deployments/_execute.py``: an interpreter that
has already imported riverrun and opened the store waits for the next run's ID, so a claimed
run's body starts without paying interpreter start-up.
"""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from riverrun._engine.lease_state import FLOW_RUN_ID_ENV, LEASE_TOKEN_ENV
from riverrun.deployments.serve import _child_env, _spawn_spare, _terminate
from riverrun.schemas import objects as o
from riverrun.workers.base import BaseWorker

_GRACE_S = 10.0


@dataclass
class _Job:
    process: subprocess.Popen[bytes]
    temp_dir: str | None


class ProcessWorker(BaseWorker):
    """Runs flow runs as subprocesses (work pool type ``process``)."""

    type = "process"
    job_configuration_keys = ("command", "env", "labels", "name", "stream_output", "working_dir")

    def __init__(self, work_pool_name: str, **kwargs: Any) -> None:
        super().__init__(work_pool_name, **kwargs)
        self._jobs: dict[str, _Job] = {}
        self._spare: subprocess.Popen[bytes] | None = None

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
        if command:
            process = subprocess.Popen(
                shlex.split(str(command)), cwd=str(working_dir),
                env={**_child_env(), **env},
                stdout=subprocess.DEVNULL if quiet else None,
                stderr=subprocess.DEVNULL if quiet else None,
            )  # fmt: skip
        else:
            process = self._handoff(run.id, env, str(working_dir), quiet)
        self._jobs[run.id] = _Job(process, temp_dir)

    def _handoff(
        self, run_id: str, env: dict[str, str], working_dir: str, quiet: bool
    ) -> subprocess.Popen[bytes]:
        """The warm spare (a new one is started for the next run), or a cold start."""
        job = {"id": run_id, "env": env, "working_dir": working_dir, "on_load_error": "crash"}
        if not quiet:  # the spare writes to the worker's output: a quiet run starts cold
            spare, handed = self._spare, False
            if spare is not None and spare.poll() is None and spare.stdin is not None:
                try:
                    spare.stdin.write((json.dumps(job) + "\n").encode())
                    spare.stdin.close()
                    handed = True
                except OSError:  # it died meanwhile: start the run the slow way
                    pass
            # The next spare only once this run has its job: its fork and start-up (~0.5 s of
            # CPU, more on a loaded machine) come after this run's start, not before it.
            self._spare = _spawn_spare()
            if handed and spare is not None:
                return spare
        return subprocess.Popen(
            [sys.executable, "-m", "riverrun.deployments._execute", run_id, "crash"],
            cwd=working_dir, env={**_child_env(), **env},
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=subprocess.DEVNULL if quiet else None,
        )  # fmt: skip

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
                run_id, f"Its process exited with code {code} before the run finished."
            )

    def kill_run(self, run_id: str) -> None:
        job = self._jobs.pop(run_id, None)
        if job is not None:
            _terminate(job.process)
            if job.temp_dir is not None:
                shutil.rmtree(job.temp_dir, ignore_errors=True)

    def stop_runs(self) -> None:
        if self._spare is not None:
            if self._spare.stdin is not None:
                self._spare.stdin.close()  # an empty line: the spare exits without running
            _terminate(self._spare)
            self._spare = None
        for job in self._jobs.values():
            if job.process.poll() is None:
                job.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _GRACE_S
        for run_id, job in list(self._jobs.items()):
            try:
                job.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                job.process.kill()
                job.process.wait()
            self.crash_if_unfinished(
                run_id, f"Worker {self.name!r} shut down while the run was in progress."
            )
            if job.temp_dir is not None:
                shutil.rmtree(job.temp_dir, ignore_errors=True)
        self._jobs.clear()

    def run(self, *args: Any, **kwargs: Any) -> None:
        """Run the worker (``BaseWorker.run``), with a warm spare interpreter ready."""
        self._spare = _spawn_spare()
        super().run(*args, **kwargs)
