"""`riverrun deploy` and `riverrun deployment ...` through the real CLI, in-process."""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from riverrun._cli.main import app
from riverrun.client import get_client
from riverrun.states import Completed, Failed, Running

from .test_api import SF_EXPORT

NAME = "riverrun.emr.salesforce.sf_export/nightly"
# Every test here runs embedded and against real servers on SQLite and PostgreSQL.
pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "240")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "export.py").write_text(textwrap.dedent(SF_EXPORT))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _runs_by_hand() -> list:  # type: ignore[type-arg]
    """Runs not made by a scheduler (a server's scheduler service may add its own at any time)."""
    runs = get_client(sync_client=True).read_flow_runs()
    return [r for r in runs if "auto-scheduled" not in r.tags]


def _deploy() -> Result:
    return cli("deploy", "flows/export.py:sf_export", "--name", "nightly", "--cron", "0 2 * * *",
               "--param", "env=pre", "--pool", "default")  # fmt: skip


def test_deploy_then_ls_and_inspect(project: Path) -> None:
    assert _deploy().exit_code == 0
    listed = cli("deployment", "ls")
    assert NAME in listed.output and "0 2 * * *" in listed.output
    inspected = json.loads(cli("deployment", "inspect", NAME, "--json").output)
    assert inspected["parameter_openapi_schema"]["properties"]["env"]["enum"] == [
        "pre",
        "snd",
        "pro",
    ]
    assert (inspected["work_pool_name"], inspected["parameters"]) == ("default", {"env": "pre"})


def test_deployment_run_takes_typed_params_and_start_in(project: Path) -> None:
    _deploy()
    result = cli("deployment", "run", NAME, "--param", "timeout_mins=5", "--params",
                 '{"min_date": "2025-01-31T00:00:00"}', "--start-in", "5m", "--tag", "manual", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    assert run["parameters"] == {"env": "pre", "timeout_mins": 5, "min_date": "2025-01-31T00:00:00"}
    assert "manual" in run["tags"] and run["state_name"] == "Scheduled"


def test_deployment_run_with_a_bad_parameter_fails_naming_it(project: Path) -> None:
    _deploy()
    result = cli("deployment", "run", NAME, "--param", "env=dev")
    assert result.exit_code == 1
    assert "env: expected one of 'pre', 'snd', 'pro', got 'dev'" in result.output
    assert _runs_by_hand() == []


def test_unknown_deployment_suggests_the_closest(project: Path) -> None:
    _deploy()
    result = cli("deployment", "run", "riverrun.emr.salesforce.sf_export/nightlly")
    assert result.exit_code == 1 and f"Did you mean '{NAME}'" in result.output


def test_pause_resume_delete(project: Path) -> None:
    _deploy()
    assert cli("deployment", "pause", NAME).exit_code == 0
    assert get_client(sync_client=True).read_deployment_by_name(NAME).paused
    assert cli("deployment", "resume", NAME).exit_code == 0
    assert cli("deployment", "delete", NAME).exit_code == 0
    assert cli("deployment", "inspect", NAME).exit_code == 1


def test_schedule_create_pause_delete(project: Path) -> None:
    _deploy()
    assert cli("deployment", "schedule", "create", NAME, "--interval", "3600").exit_code == 0
    schedules = json.loads(cli("deployment", "schedule", "ls", NAME, "--json").output)
    assert len(schedules) == 2
    added = schedules[1]["id"]
    assert cli("deployment", "schedule", "pause", NAME, added).exit_code == 0
    assert cli("deployment", "schedule", "delete", NAME, added).exit_code == 0
    assert len(json.loads(cli("deployment", "schedule", "ls", NAME, "--json").output)) == 1


def test_schedule_create_refuses_a_bad_timezone(project: Path) -> None:
    _deploy()
    result = cli(
        "deployment", "schedule", "create", NAME, "--cron", "0 * * * *", "--timezone", "Mars/Base"
    )
    assert result.exit_code == 1 and "Invalid timezone" in result.output


def test_backfill_creates_one_run_per_time_and_never_duplicates(project: Path) -> None:
    _deploy()
    args = (
        "deployment",
        "backfill",
        NAME,
        "--start",
        "2025-01-01T00:00:00",
        "--end",
        "2025-01-03T23:00:00",
    )
    dry = cli(*args, "--dry-run")
    assert dry.output.count("would create") == 3
    assert cli(*args).exit_code == 0
    again = cli(*args)
    assert "Created 0 run(s); skipped 3" in again.output
    assert len(_runs_by_hand()) == 3


def test_backfill_reprocess_failed_reruns_failed_times(project: Path) -> None:

    _deploy()
    args = (
        "deployment",
        "backfill",
        NAME,
        "--start",
        "2025-01-01T00:00:00",
        "--end",
        "2025-01-01T23:00:00",
    )
    cli(*args)
    client = get_client(sync_client=True)
    [run] = _runs_by_hand()
    client.set_flow_run_state(run.id, Failed(), force=True)
    assert "Created 0 run(s)" in cli(*args).output
    assert "Created 1 run(s)" in cli(*args, "--reprocess", "failed").output


def test_project_file_deploys_and_refuses_unknown_keys(project: Path) -> None:
    (project / "riverrun.yaml").write_text(
        textwrap.dedent("""
        deployments:
          - name: nightly
            entrypoint: flows/export.py:sf_export
            parameters: {env: pro}
            work_pool: {name: default}
            schedules:
              - cron: "0 2 * * *"
                timezone: Europe/Paris
    """)
    )
    assert cli("deploy").exit_code == 0
    dep = get_client(sync_client=True).read_deployment_by_name(NAME)
    assert dep.parameters == {"env": "pro"} and dep.schedules[0].schedule.timezone == "Europe/Paris"  # type: ignore[union-attr]
    (project / "riverrun.yaml").write_text(
        "deployments:\n  - name: x\n    entrypoint: a.py:f\n    shedules: []\n"
    )
    result = cli("deploy")
    assert result.exit_code == 1 and "unknown key(s) 'shedules' in deployments[0]" in result.output


def _sla_names() -> list[tuple[str, str]]:
    client = get_client(sync_client=True)
    dep = client.read_deployment_by_name(NAME)
    return [(s.name, s.type) for s in client.read_slas_for_deployment(dep.id)]


def test_deploy_sla_flag_takes_json_and_files(project: Path) -> None:
    (project / "slas.yaml").write_text("sla:\n  - {name: late, within: 600}\n")
    result = cli("deploy", "flows/export.py:sf_export", "--name", "nightly",
                 "--sla", '{"name": "slow", "duration": 600}', "--sla", "slas.yaml")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _sla_names() == [("late", "lateness"), ("slow", "time_to_completion")]


def test_project_file_sla_is_applied(project: Path) -> None:
    (project / "riverrun.yaml").write_text(textwrap.dedent("""
        deployments:
          - name: nightly
            entrypoint: flows/export.py:sf_export
            sla:
              - {name: daily, stale_after: 86400, severity: high}
    """))  # fmt: skip
    assert cli("deploy").exit_code == 0
    assert _sla_names() == [("daily", "frequency")]


def test_a_bad_sla_names_the_fields_it_needs(project: Path) -> None:
    result = cli("deploy", "flows/export.py:sf_export", "--name", "nightly",
                 "--sla", '{"name": "slow"}')  # fmt: skip
    assert result.exit_code == 1
    assert "sla[0] ('slow') is not an SLA: give a name and one of duration" in result.output


def test_project_file_triggers_replace_the_deployments_automations(project: Path) -> None:
    (project / "riverrun.yaml").write_text(textwrap.dedent("""
        deployments:
          - name: nightly
            entrypoint: flows/export.py:sf_export
            triggers:
              - expect: [shop.order.paid]
                parameters: {env: pro}
              - {name: on any, type: compound, require: any,
                 triggers: [{type: event, expect: [a]}, {type: event, expect: [b]}]}
    """))  # fmt: skip
    assert cli("deploy").exit_code == 0
    result = cli("deploy")
    assert result.exit_code == 0, result.output
    client = get_client(sync_client=True)
    dep = client.read_deployment_by_name(NAME)
    owned = client.read_resource_related_automations(f"riverrun.deployment.{dep.id}")
    assert [(a.name, a.trigger.type) for a in owned] == [
        ("nightly__automation_1", "event"), ("on any", "compound")
    ]  # fmt: skip
    assert owned[0].actions[0].parameters == {"env": "pro"}  # type: ignore[union-attr]


def test_a_bad_trigger_in_the_project_file_names_its_field(project: Path) -> None:
    (project / "riverrun.yaml").write_text(textwrap.dedent("""
        deployments:
          - name: nightly
            entrypoint: flows/export.py:sf_export
            triggers:
              - {expect: [a], threshold: 0}
    """))  # fmt: skip
    result = cli("deploy")
    assert result.exit_code == 1
    assert "triggers[0] ('unnamed'): threshold: Value error, threshold must be at least 1" in (
        result.output.replace("\n", " ").replace("  ", " ")
    )


def test_deploy_trigger_flag_takes_json_and_files(project: Path) -> None:
    (project / "triggers.yaml").write_text("triggers:\n  - {name: on refund, expect: [refund]}\n")
    result = cli("deploy", "flows/export.py:sf_export", "--name", "nightly",
                 "--trigger", '{"expect": ["paid"], "parameters": {"env": "pro"}}',
                 "--trigger", "triggers.yaml")  # fmt: skip
    assert result.exit_code == 0, result.output
    client = get_client(sync_client=True)
    dep = client.read_deployment_by_name(NAME)
    owned = client.read_resource_related_automations(f"riverrun.deployment.{dep.id}")
    assert sorted(a.name for a in owned) == ["nightly__automation_1", "on refund"]


def test_deploy_stores_its_flags(project: Path) -> None:
    result = cli("deploy", "flows/export.py:sf_export", "--name", "nightly", "--interval", "600",
                 "--timezone", "Europe/Paris", "--tag", "etl", "--description", "nightly export",
                 "--version", "7", "--paused", "--params", '{"env": "snd"}')  # fmt: skip
    assert result.exit_code == 0, result.output
    dep = get_client(sync_client=True).read_deployment_by_name(NAME)
    assert (dep.tags, dep.description, dep.version, dep.paused) == (
        ["etl"], "nightly export", "7", True,
    )  # fmt: skip
    assert dep.parameters == {"env": "snd"}
    assert dep.schedules[0].schedule.timezone == "Europe/Paris"  # type: ignore[union-attr]


def test_deploy_of_a_missing_file_names_it_and_creates_nothing(project: Path) -> None:
    result = cli("deploy", "flows/nope.py:sf_export", "--name", "nightly")
    assert result.exit_code == 1 and "No file" in result.output and "nope.py" in result.output
    assert get_client(sync_client=True).read_deployments() == []


def test_deploy_with_an_invalid_cron_names_the_string(project: Path) -> None:
    result = cli("deploy", "flows/export.py:sf_export", "--name", "nightly", "--cron", "every day")
    assert result.exit_code == 1 and 'Invalid cron string: "every day"' in result.output
    assert get_client(sync_client=True).read_deployments() == []


def test_deployment_run_start_at_schedules_the_run_then(project: Path) -> None:
    _deploy()
    result = cli("deployment", "run", NAME, "--start-at", "2030-01-31T09:00:00+00:00", "--json")
    assert result.exit_code == 0, result.output
    run = get_client(sync_client=True).read_flow_run(json.loads(result.output)["id"])
    assert run.expected_start_time.isoformat() == "2030-01-31T09:00:00+00:00"  # type: ignore[union-attr]


def test_schedule_resume_turns_a_paused_schedule_back_on(project: Path) -> None:
    _deploy()
    [schedule] = json.loads(cli("deployment", "schedule", "ls", NAME, "--json").output)
    cli("deployment", "schedule", "pause", NAME, schedule["id"])
    assert cli("deployment", "schedule", "resume", NAME, schedule["id"]).exit_code == 0
    [resumed] = json.loads(cli("deployment", "schedule", "ls", NAME, "--json").output)
    assert resumed["active"] is True


def test_backfill_reverse_lists_the_newest_time_first(project: Path) -> None:
    _deploy()
    dry = cli("deployment", "backfill", NAME, "--start", "2025-01-01T00:00:00",
              "--end", "2025-01-03T23:00:00", "--reverse", "--dry-run")  # fmt: skip
    days = [
        line.split("2025-01-")[1][:2] for line in dry.output.splitlines() if "would create" in line
    ]
    assert days == ["03", "02", "01"]


def _finish_the_run_by_hand(state: Callable[[], Any]) -> threading.Thread:
    """A thread that, once the CLI has created its run, moves it to Running and then to
    ``state()`` through the API (standing in for the serving process, so the watch has something
    to see). The final state is made after Running: a state older than the run's is ignored."""

    def finish() -> None:
        client = get_client(sync_client=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = _runs_by_hand()
            if runs:
                client.set_flow_run_state(runs[0].id, Running(), force=True)
                client.set_flow_run_state(runs[0].id, state(), force=True)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=finish, daemon=True)
    thread.start()
    return thread


def test_deployment_run_watch_exits_0_once_the_run_completes(project: Path) -> None:
    _deploy()
    finisher = _finish_the_run_by_hand(Completed)
    result = cli("deployment", "run", NAME, "--watch", "--watch-interval", "0.1",
                 "--watch-timeout", "120")  # fmt: skip
    finisher.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert "Flow run finished successfully in 'Completed'." in result.output


def test_deployment_run_watch_exits_1_naming_the_state_the_run_ended_in(project: Path) -> None:
    _deploy()
    finisher = _finish_the_run_by_hand(Failed)
    result = cli("deployment", "run", NAME, "--watch", "--watch-interval", "0.1")
    finisher.join(timeout=60)
    assert result.exit_code == 1
    assert "Flow run finished in state 'Failed'." in result.output


def test_deployment_run_watch_timeout_exits_1_and_leaves_the_run(project: Path) -> None:
    _deploy()
    result = cli("deployment", "run", NAME, "--watch", "--watch-timeout", "0.5")
    assert result.exit_code == 1
    [run] = _runs_by_hand()
    assert f"Flow run with ID {run.id} exceeded watch timeout of 0.5 seconds" in result.output
    assert run.state_name == "Scheduled"


def test_deployment_run_watch_interval_must_be_positive(project: Path) -> None:
    _deploy()
    result = cli("deployment", "run", NAME, "--watch", "--watch-interval", "0")
    assert result.exit_code == 2 and "--watch-interval" in result.output
    assert _runs_by_hand() == []


def _backfill_args(*extra: str) -> tuple[str, ...]:
    return ("deployment", "backfill", NAME, "--start", "2025-01-01T00:00:00",
            "--end", "2025-01-03T23:00:00", *extra)  # fmt: skip


def _complete(run_id: Any) -> None:
    client = get_client(sync_client=True)
    client.set_flow_run_state(run_id, Running(), force=True)
    client.set_flow_run_state(run_id, Completed(), force=True)


def test_backfill_reprocess_completed_reruns_times_that_completed(project: Path) -> None:
    _deploy()
    one_day = ("deployment", "backfill", NAME, "--start", "2025-01-01T00:00:00",
               "--end", "2025-01-01T23:00:00")  # fmt: skip
    cli(*one_day)
    [run] = _runs_by_hand()
    _complete(run.id)
    assert "Created 0 run(s); skipped 1" in cli(*one_day).output
    assert "Created 0 run(s); skipped 1" in cli(*one_day, "--reprocess", "failed").output
    rerun = cli(*one_day, "--reprocess", "completed")
    assert "Created 1 run(s); skipped 0" in rerun.output
    assert sorted(r.state_name for r in _runs_by_hand()) == ["Completed", "Scheduled"]


def test_backfill_reprocess_completed_never_duplicates_a_time_still_scheduled(
    project: Path,
) -> None:
    _deploy()
    cli(*_backfill_args())
    again = cli(*_backfill_args("--reprocess", "completed"))
    assert "Created 0 run(s); skipped 3" in again.output
    assert again.output.count("a run is scheduled or in progress") == 3


def _in_a_terminal(*args: str, timeout: float = 120.0) -> tuple[int, str]:
    """Run the real ``riverrun`` command on a pseudo-terminal (so rich draws its live
    progress) and return its exit status and everything it wrote."""
    import os
    import pty
    import select
    import subprocess
    import sys

    leader, follower = pty.openpty()
    command = [str(Path(sys.executable).parent / "riverrun"), *args]
    env = {**os.environ, "COLUMNS": "160", "LINES": "40", "TERM": "xterm-256color"}
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # the command ended and closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        return process.wait(timeout=max(1.0, deadline - time.monotonic())), b"".join(chunks).decode(
            errors="replace"
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


def test_backfill_draws_a_progress_bar_while_it_creates_runs(project: Path) -> None:
    _deploy()
    status, shown = _in_a_terminal(*_backfill_args())
    assert status == 0, shown
    assert "Creating runs" in shown and "━" in shown
    assert "Created 3 run(s); skipped 0." in shown


def test_backfill_wait_draws_progress_while_its_runs_run(project: Path) -> None:
    _deploy()
    stop = threading.Event()

    def run_them() -> None:  # stands in for the serving process: completes each new run
        while not stop.is_set():
            for run in _runs_by_hand():
                if run.state_name == "Scheduled":
                    _complete(run.id)
            stop.wait(0.1)

    runner = threading.Thread(target=run_them, daemon=True)
    runner.start()
    try:
        status, shown = _in_a_terminal(*_backfill_args("--max-active", "1", "--wait"))
    finally:
        stop.set()
        runner.join(timeout=30)
    assert status == 0, shown
    assert "Backfill" in shown and "finished, " in shown and "created" in shown
    assert "3 of 3 run(s) finished; skipped 0." in shown
