"""The server answers as its OpenAPI spec says: schemathesis with every check, through its
Python API, against a real server process on loopback, on SQLite and on PostgreSQL.

Every phase runs (examples, coverage, fuzzing, stateful) with every check (server errors,
status codes, content types, response schemas, schema-valid bodies accepted, schema-violating
ones refused, undeclared methods answered 405...), bounded by ``max-examples`` to about five
minutes per database on a two-core machine at a load of 4 (ten at a load of 12: the timeout
is 15). A failure lists each check that failed, the
request and the server's answer.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest

from riverrun.server.testing import ServerProcess

schemathesis = pytest.importorskip("schemathesis")

# Operations whose bodies hold values the JSON schema cannot state the validity of, so a
# schema-valid body may rightly be refused with a 422 naming the value: cron, RRule and time
# zone text (schedules), an ID that is required only when ``source`` is "selected"
# (automation actions), the labels an event's resource must carry and the event format
# version (recorder events), a concurrency limit the store checks (deployments). Every
# other check still runs on them; "schema-valid body accepted" is off for these alone.
_SEMANTIC_BODIES = [
    ("POST", "^/api/deployments/$"),
    ("PATCH", "^/api/deployments/\\{deployment_id\\}$"),
    ("POST", "^/api/deployments/\\{deployment_id\\}/schedules$"),
    ("PATCH", "^/api/deployments/\\{deployment_id\\}/schedules/\\{schedule_id\\}$"),
    ("POST", "^/api/automations/$"),
    ("PUT", "^/api/automations/\\{automation_id\\}$"),
    ("POST", "^/api/events$"),
]

_MAX_EXAMPLES = 5
# Seed 1 is the one the suite runs; another (RIVERRUN_TEST_SCHEMATHESIS_SEED=7) explores
# other examples.
_SEED = int(os.environ.get("RIVERRUN_TEST_SCHEMATHESIS_SEED", "1"))
# The run stops generating after this many seconds and checks what it ran: on a quiet machine a
# whole run takes 270-300 s, but at a load of 15-20 (CI beside other suites) it took over 900 s.
# 0 runs to the end (as the seed runs of docs/reliability.md do).
_BUDGET_S = float(os.environ.get("RIVERRUN_TEST_SCHEMATHESIS_BUDGET_SECONDS", "600"))


def _config(seed: int) -> object:
    from schemathesis.config import SchemathesisConfig

    off = [(m, p, "positive_data_acceptance") for m, p in _SEMANTIC_BODIES]
    operations = "".join(
        f"\n[[operations]]\ninclude-method = \"{method}\"\ninclude-path-regex = '{path}'\n"
        f"checks.{check}.enabled = false\n"
        for method, path, check in off
    )
    # 30 s per request, not 10: on a loaded two-core machine (CI beside other suites) a slow
    # answer is no finding, and schemathesis reports a timeout as an error of the run.
    text = (
        f"seed = {seed}\nrequest-timeout = 30\n[checks]\nenabled = true\n"
        f"[generation]\nmax-examples = {_MAX_EXAMPLES}\n"
    )
    return SchemathesisConfig.from_str(text + operations)


def _failures(api_url: str, seed: int = _SEED) -> list[str]:
    """Every failed check of a bounded schemathesis run against ``api_url``, as text."""
    from schemathesis.engine import Status, events, from_schema

    root = api_url.removesuffix("/api")
    # Read here, not by schemathesis's 10 s request: the server builds its spec on the first
    # request, which on a loaded machine can take longer.
    spec = httpx.get(f"{api_url}/openapi.json", timeout=120).raise_for_status().json()
    schema = schemathesis.openapi.from_dict(spec, config=_config(seed))
    schema.config.update(base_url=root)
    found: list[str] = []
    stream = from_schema(schema).execute()
    started = time.monotonic()
    for event in stream:
        if _BUDGET_S and time.monotonic() - started > _BUDGET_S and not stream.stop_event.is_set():
            stream.stop()
            print(f"schemathesis stopped after its {_BUDGET_S:.0f} s budget; what ran is checked")
        if isinstance(event, events.ScenarioFinished):
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    if node.status != Status.FAILURE:
                        continue
                    case = event.recorder.cases[case_id].value
                    why = str(node.failure_info.failure)[:600] if node.failure_info else ""
                    found.append(f"[{event.phase.value}] {node.name} {case.method} {case.path}: "
                                 f"{why}\n  body: {case.body!r:.400}")  # fmt: skip
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            found.append(f"schemathesis could not run: {event!r:.1000}")
    return found


def _every_check_passes(home: Path, pg_url: str | None) -> None:
    # A claim the fuzzer asks to wait a minute would outlast its 10 s request timeout.
    env = {"RIVERRUN_SERVER_MAX_POLL_SECONDS": "1"}
    with ServerProcess(home, pg_url, env=env, args=["--log-level", "warning"]) as server:
        failures = _failures(server.api_url)
        log = server.log()
    assert not failures, f"{len(failures)} failed checks:\n" + "\n".join(failures[:30])
    assert "Traceback" not in log, log[-4000:]


# Hypothesis warns when the repr of a generated example is large (a long list of queue
# names): a cost of its report, not a finding.
_FUZZ = [
    pytest.mark.slow,
    # Not strict: the finding depends on which links the stateful phase follows.
    pytest.mark.xfail(
        strict=False,
        reason="issue 11: each fuzz run so far found one more case (the last: a task run "
        'created with id "", fixed 2026-12-08); with that fix seed 1 passed on SQLite and '
        "PostgreSQL within the 600 s budget. Strict once it passes in CI",
    ),
    pytest.mark.timeout(900),
    pytest.mark.filterwarnings(
        "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
    ),
]


# One class per database: pytest-xdist's loadscope hands each class to a worker of its own,
# so the two runs (minutes each) go side by side.
class TestOnSQLite:
    pytestmark = _FUZZ

    def test_every_schemathesis_check_passes_against_a_real_server(self, home: Path) -> None:
        _every_check_passes(home, None)


class TestOnPostgreSQL:
    pytestmark = [*_FUZZ, pytest.mark.postgres]

    def test_every_schemathesis_check_passes_against_a_real_server(
        self, home: Path, pg_url: str
    ) -> None:
        _every_check_passes(home, pg_url)


# What the fuzz run found, one behaviour each, fast (the module's server, SQLite).


def test_a_whole_number_float_is_a_page_bound_as_json_schema_reads_it(api: httpx.Client) -> None:
    assert api.post("flow_runs/filter", json={"offset": 5.0, "limit": 2.0}).status_code == 200


@pytest.mark.parametrize("body", [{"offset": 5.5}, {"limit": True}, {"limit": "5"}])
def test_a_page_bound_that_is_not_a_whole_number_is_422(
    api: httpx.Client, body: dict[str, object]
) -> None:
    answer = api.post("flow_runs/filter", json=body)
    assert answer.status_code == 422
    assert next(iter(body)) in answer.json()["detail"]


@pytest.mark.parametrize(
    ("route", "body", "named"),
    [
        (
            "flow_runs/filter",
            {"deployment_filter": {"paused": {"eq_": 0}}},
            "deployment_filter.paused.eq_",
        ),
        ("deployments/claim_runs", {"deployment_ids": [], "now": False}, "now"),
        ("logs/filter", {"log_filter": {"level": {"le_": False}}}, "log_filter.level.le_"),
    ],
)
def test_a_number_for_a_boolean_or_a_boolean_for_a_number_is_422_naming_it(
    api: object, route: str, body: dict[str, object], named: str
) -> None:
    answer = api.post(route, json=body)
    assert answer.status_code == 422
    assert named in answer.json()["detail"]


def test_a_query_boolean_is_only_true_or_false(api: httpx.Client) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        api.get(f"block_documents/{missing}", params={"include_secrets": "yes"}).status_code == 422
    )
    assert (
        api.get(f"block_documents/{missing}", params={"include_secrets": "false"}).status_code
        == 404
    )


def test_a_method_a_path_does_not_serve_is_405_with_the_methods_of_the_spec(
    api: httpx.Client,
) -> None:
    answer = api.request("TRACE", "flow_runs/filter")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
    assert api.request("QUERY", "health").headers["Allow"] == "GET"
    assert api.get("no-such-route").status_code == 404


def test_the_spec_gives_integer_bounds_and_requires_discriminator_tags(api: httpx.Client) -> None:
    spec = api.get("openapi.json").json()
    schemas = spec["components"]["schemas"]
    limit = schemas["ReadFlowRuns"]["properties"]["limit"]["anyOf"][0]
    assert limit["maximum"] == 2**62 and type(limit["maximum"]) is int
    assert "type" in schemas["EventTrigger-Input"]["required"]


def test_an_empty_name_in_a_path_is_405_where_the_spec_lists_other_methods(
    api: httpx.Client,
) -> None:
    answer = api.patch("v2/concurrency_limits/", json={"limit": 1})
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"


def test_scheduled_runs_of_queue_names_the_pool_lacks_are_none(api: httpx.Client) -> None:
    pool = f"pool-{uuid.uuid4().hex[:8]}"
    assert api.post("work_pools/", json={"work_pool": {"name": pool}}).status_code == 201
    answer = api.post(f"work_pools/{pool}/get_scheduled_flow_runs", json={"work_queue_names": [""]})
    assert (answer.status_code, answer.json()) == (200, [])


def test_a_queue_read_by_name_with_no_pool_to_look_in_is_404_saying_what_to_name(
    api: httpx.Client,
) -> None:
    answer = api.get("work_queues/name/default")
    assert answer.status_code == 404
    assert "RIVERRUN_DEFAULT_WORK_POOL_NAME" in answer.json()["detail"]


def test_a_whole_number_no_database_column_holds_is_422_naming_it(api: httpx.Client) -> None:
    answer = api.post("deployments/claim_runs", json={"deployment_ids": [], "now": -(2**75)})
    assert answer.status_code == 422
    assert "now" in answer.json()["detail"]


def test_a_claim_lease_longer_than_a_day_is_422_naming_it(api: httpx.Client) -> None:
    api.post("work_pools/", json={"name": "lease-pool", "type": "process"})
    answer = api.post("work_pools/lease-pool/claim_runs",
                      json={"worker_name": "w", "lease_seconds": 1.7976931348623157e308})  # fmt: skip
    assert answer.status_code == 422
    assert "lease_seconds must be positive and at most 86400" in answer.json()["detail"]


def test_an_operation_that_returns_nothing_answers_with_no_content_as_its_spec_says(
    api: httpx.Client,
) -> None:
    answer = api.post("logs/", json=[])
    assert (answer.status_code, answer.content) == (201, b"")
    assert "content-type" not in answer.headers
    created = api.get("openapi.json").json()["paths"]["/api/logs/"]["post"]["responses"]["201"]
    assert "content" not in created


def test_the_spec_gives_durations_as_seconds_or_the_iso_8601_the_server_writes(
    api: httpx.Client,
) -> None:
    schemas = api.get("openapi.json").json()["components"]["schemas"]
    forms = schemas["FlowRun"]["properties"]["total_run_time"]["anyOf"]
    assert {"type": "number"} in forms
    (pattern,) = [form["pattern"] for form in forms if "pattern" in form]
    # Years of 365 days, no months, fractions of a second: not RFC 3339's "duration".
    assert re.match(pattern, "P26Y343DT6H22M21.751566S")
    assert not re.match(pattern, "P")


def test_a_long_poll_waits_no_longer_than_the_server_allows(tmp_path: Path) -> None:
    env = {"RIVERRUN_SERVER_MAX_POLL_SECONDS": "0.1"}
    with ServerProcess(tmp_path / "home", env=env) as server:
        with httpx.Client(base_url=server.api_url + "/", timeout=30) as client:
            assert client.post("work_pools/", json={"work_pool": {"name": "p"}}).is_success
            # Asked to wait an hour with nothing due: answered within the client's timeout.
            claim = client.post("work_pools/p/claim_runs", json={"worker_name": "w", "wait": 3600})
    assert (claim.status_code, claim.json()) == (200, [])


def test_an_interval_reads_back_in_seconds_as_the_spec_says(api: httpx.Client) -> None:
    flow_id = api.post("flows/", json={"flow_name": f"f-{uuid.uuid4().hex[:8]}"}).json()
    schedule = {"interval": 5400, "anchor_date": "2025-01-01T00:00:00Z"}
    deployment_id = api.post(
        "deployments/",
        json={"flow_id": flow_id, "name": "d", "schedules": [{"schedule": schedule}]},
    ).json()
    read = api.get(f"deployments/{deployment_id}").json()["schedules"][0]["schedule"]
    assert read["interval"] == 5400.0
    spec = api.get("openapi.json").json()["components"]["schemas"]
    assert spec["IntervalSchedule-Output"]["properties"]["interval"]["type"] == "number"


def test_deleting_a_pools_default_queue_is_a_conflict_naming_the_queue(api: httpx.Client) -> None:
    pool = f"pool-{uuid.uuid4().hex[:8]}"
    created = api.post("work_pools/", json={"work_pool": {"name": pool}}).json()
    answer = api.delete(f"work_queues/{created['default_queue_id']}")
    assert answer.status_code == 409
    assert "is the default queue of work pool" in answer.json()["detail"]


def test_the_spec_says_a_path_parameter_is_never_empty(api: httpx.Client) -> None:
    spec = api.get("openapi.json").json()
    (parameter,) = spec["paths"]["/api/task_runs/{task_run_id}/set_state"]["post"]["parameters"]
    assert parameter["schema"]["minLength"] == 1


def test_an_empty_run_id_in_state_details_is_422_naming_it(api: httpx.Client) -> None:
    run = api.post("flow_runs/", json={"flow_name": f"f-{uuid.uuid4().hex[:8]}"}).json()
    state = {"type": "RUNNING", "state_details": {"task_run_id": ""}}
    answer = api.post(f"flow_runs/{run['id']}/set_state", json={"state": state})
    assert answer.status_code == 422
    assert "state_details.task_run_id" in answer.json()["detail"]


def test_an_empty_id_for_a_new_task_run_is_422_naming_it(api: httpx.Client) -> None:
    run = api.post("flow_runs/", json={"flow_name": f"f-{uuid.uuid4().hex[:8]}"}).json()
    body = {"task_key": "k", "dynamic_key": "0", "flow_run_id": run["id"], "id": ""}
    answer = api.post("task_runs/", json=body)
    assert answer.status_code == 422
    assert "id" in answer.json()["detail"]
    assert all(r["id"] for r in api.post("task_runs/filter", json={}).json())


def test_the_spec_says_an_id_in_a_body_is_never_empty_text(api: httpx.Client) -> None:
    spec = api.get("openapi.json").json()
    schemas = spec["components"]["schemas"]
    [body] = [s for name, s in schemas.items() if name.startswith("CreateTaskRun")]
    texts = [a for a in body["properties"]["id"]["anyOf"] if a.get("type") == "string"]
    assert texts and all(a.get("minLength") == 1 for a in texts if a.get("format") != "uuid")
