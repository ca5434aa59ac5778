"""Bulk actions on the runs list: cancel, retry, delete "all that match" the filter, with a
preview count, CSRF-protected, in keyset batches and stopped at a cap."""

from __future__ import annotations

from html import unescape
from urllib.parse import parse_qs, urlparse

from ui_seed import Fresh

from riverrun._internal.clock import now_us
from riverrun._store import testing as ev
from riverrun.server.ui import bulk, data


def _runs(
    fresh: Fresh, n: int, state: str, *, flow: str = "bulk.job", tags: list[str] | None = None
) -> list[str]:
    start = now_us() - 120_000_000
    events = []
    for i in range(n):
        run = ev.flow_run_event(flow_name=flow, tags=tags or [], state_type=state, state_name=state.capitalize(),
                                created=start + i, start_time=start + i)  # fmt: skip
        if state in ("COMPLETED", "FAILED"):
            run["state"]["end_time"] = start + i + 1000
        events.append(run)
    fresh.store.ingest(events)
    return [str(e["id"]) for e in events]


def _state(fresh: Fresh, run_id: str) -> str:
    return str(fresh.store.read_flow_run(run_id).state_name)


def test_runs_list_offers_bulk_actions_on_its_own_filter(fresh: Fresh) -> None:
    _runs(fresh, 2, "RUNNING", tags=["team:a"])
    html = unescape(fresh.client.get("/runs?state=RUNNING&tag=team:a").text)
    assert 'href="/runs/bulk?action=cancel&state=RUNNING&tag=team%3Aa"' in html


def test_preview_counts_what_matches_and_changes_nothing(fresh: Fresh) -> None:
    ids = _runs(fresh, 3, "RUNNING", tags=["team:a"])
    _runs(fresh, 2, "RUNNING", tags=["team:b"])
    html = fresh.client.get("/runs/bulk?action=cancel&tag=team:a").text
    assert (
        "This will cancel <b>3</b> flow runs" in html
        and 'name="query" value="tag=team%3Aa"' in html
    )
    assert {_state(fresh, i) for i in ids} == {"Running"}


def test_cancel_all_that_match_cancels_them_and_leaves_the_rest(fresh: Fresh) -> None:
    mine = _runs(fresh, 3, "RUNNING", tags=["team:a"])
    other = _runs(fresh, 2, "RUNNING", tags=["team:b"])
    response = fresh.post("/runs/bulk", {"action": "cancel", "query": "tag=team:a"})
    assert response.status_code == 303
    assert {_state(fresh, i) for i in mine} == {"Cancelling"}
    assert {_state(fresh, i) for i in other} == {"Running"}
    note = parse_qs(urlparse(response.headers["location"]).query)["done"][0]
    assert note == "Cancel: 3 run(s) changed, 0 left as they were."
    assert "Cancel: 3 run(s) changed" in fresh.client.get(response.headers["location"]).text


def test_cancel_leaves_finished_runs_and_cancels_scheduled_ones_at_once(fresh: Fresh) -> None:
    done = _runs(fresh, 2, "COMPLETED")
    waiting = _runs(fresh, 2, "SCHEDULED")
    result = bulk.apply(fresh.store, data.RunQuery(flows=("bulk.job",)), "cancel")
    assert (result.done, result.skipped) == (2, 2)
    assert {_state(fresh, i) for i in done} == {"Completed"} and {
        _state(fresh, i) for i in waiting
    } == {"Cancelled"}


def test_apply_walks_the_matches_in_batches(fresh: Fresh) -> None:
    ids = _runs(fresh, 7, "RUNNING")
    result = bulk.apply(fresh.store, data.RunQuery(flows=("bulk.job",)), "delete", batch=3)
    assert (result.done, result.capped) == (7, False)
    assert not {r.id for r in fresh.store.read_flow_runs(limit=20)} & set(ids)


def test_apply_stops_at_the_cap_and_says_so(fresh: Fresh) -> None:
    _runs(fresh, 5, "RUNNING")
    result = bulk.apply(fresh.store, data.RunQuery(flows=("bulk.job",)), "delete", cap=3, batch=2)
    assert (result.done, result.capped) == (3, True)
    left = [r for r in fresh.store.read_flow_runs(limit=10) if r.flow_name == "bulk.job"]
    assert len(left) == 2


def test_retry_retries_only_finished_runs_of_deployments(fresh: Fresh) -> None:
    failed = _runs(fresh, 2, "FAILED")
    from riverrun._store import tables as t

    with fresh.store.begin() as conn:
        conn.execute(
            t.flow_run.update()
            .where(t.flow_run.c.id == failed[0])
            .values(deployment_id=fresh.deployment)
        )
    result = bulk.apply(fresh.store, data.RunQuery(flows=("bulk.job",)), "retry")
    assert (result.done, result.skipped) == (1, 1)
    assert (_state(fresh, failed[0]), _state(fresh, failed[1])) == ("AwaitingRetry", "Failed")


def test_bulk_action_needs_the_csrf_token(fresh: Fresh) -> None:
    ids = _runs(fresh, 1, "RUNNING")
    response = fresh.client.post("/runs/bulk", data={"action": "delete", "query": ""})
    assert response.status_code == 403 and _state(fresh, ids[0]) == "Running"


def test_unknown_bulk_action_is_refused_naming_the_choices(fresh: Fresh) -> None:
    response = fresh.client.get("/runs/bulk?action=explode")
    assert response.status_code == 404 and "use cancel, retry or delete" in response.text
