"""The UI's budgets, asserted where they are counts: every query bounded, JS under 150 KB
gzipped, nothing that polls, at most 5 requests a page (the Chromium tests count those)."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_seed import Fresh, Seed, TestClient, big_run

from riverrun._store.service import open_store
from riverrun.server.ui.render import HERE, STATIC

# A statement is bounded by a LIMIT, by a time window on an indexed time column, or by an
# equality on a unique key (one row at most: id, hash, slug, an automation action's key).
_LIMIT = re.compile(r"\bLIMIT\b", re.I)
_PARAM = r"(?:\?|:\w+|%\(\w+\)s)(?:::\w+)?"  # SQLite's ? and :name, psycopg's %(name)s::TYPE
_TIME = re.compile(
    rf"(start_time|expected_start_time|\btimestamp|created)\)?\s*(>=|>|<=|<)\s*{_PARAM}", re.I
)
_UNIQUE = re.compile(
    rf"WHERE\s+(?:\w+\.)?(id|hash|slug|key)\s*=\s*{_PARAM}\s*(\)|$|ORDER|AND|LIMIT)", re.I
)
_FLOW_NAME = re.compile(rf"WHERE\s+flow\.name\s*=\s*{_PARAM}", re.I)
# A variable by its name (uq_variable__name): at most one row.
_VARIABLE_NAME = re.compile(rf"WHERE\s+variable\.name\s*=\s*{_PARAM}\s*$", re.I)
# The block catalog holds one row per Block class a program registered, not per run.
_CATALOG = re.compile(r"FROM\s+block_(type|schema)\b", re.I)
# Automations are configuration (the server's automation service reads them all each pass).
_AUTOMATIONS = re.compile(r"FROM\s+automation\s+ORDER\s+BY\b", re.I)
# The enabled SLAs, read by the server's SLA service each pass: configuration, a few per
# deployment, as the automations are.
_SLAS = re.compile(r"FROM\s+sla\s+WHERE\s+sla\.enabled\b", re.I)
# The schedules of deployments already read (a bounded page): configuration, a few per deployment.
_SCHEDULES_OF = re.compile(
    r"FROM\s+deployment_schedule\s+WHERE\s+deployment_schedule\.deployment_id\s+IN\b", re.I
)

# A work pool by its unique name; a pool's workers (one row per worker name, configuration).
_POOL_NAME = re.compile(rf"WHERE\s+work_pool\.name\s*=\s*{_PARAM}", re.I)
_WORKERS_OF = re.compile(rf"FROM\s+worker\s+WHERE\s+worker\.work_pool_id\s*=\s*{_PARAM}", re.I)
# A pool's (or queue's) runs in progress, the slots its limit counts: the index
# ix_flow_run__work_pool_name_state_type reads only those states, never the pool's history.
_POOL_ACTIVE = re.compile(
    rf"WHERE\s+flow_run\.work_pool_name\s*=\s*{_PARAM}\s+AND\s+.*"
    rf"flow_run\.state_type\s+IN\s*\({_PARAM},\s*{_PARAM},\s*{_PARAM}\)$",
    re.I,
)
# Live leases: unexpired rows, by the (limit_id, expires) index; at most the slots held now.
_LIVE_LEASES = re.compile(
    rf"FROM\s+concurrency_lease\s+WHERE\s+concurrency_lease\.limit_id\s+(=|IN)\s.*"
    rf"concurrency_lease\.expires\s*>\s*{_PARAM}",
    re.I,
)
_CONFIGURATION = (_CATALOG, _SCHEDULES_OF, _AUTOMATIONS, _SLAS, _POOL_NAME, _WORKERS_OF, _POOL_ACTIVE,
                  _LIVE_LEASES)  # fmt: skip


def unbounded(sql: str) -> bool:
    """Whether a SELECT could read a whole growing table."""
    text = " ".join(sql.split())
    if not text.upper().startswith(("SELECT", "WITH")):
        return False
    return not any(p.search(text) for p in (_LIMIT, _TIME, _UNIQUE, _FLOW_NAME, _VARIABLE_NAME,
                                            *_CONFIGURATION))  # fmt: skip


@pytest.fixture(scope="module")
def big(seeded: Seed) -> str:
    return big_run(open_store(seeded.url), tasks=10_000)


@pytest.fixture
def statements(seeded: Seed) -> Iterator[list[str]]:
    yield from record_statements(seeded.url)


@pytest.fixture
def statements_of_fresh(fresh: Fresh) -> Iterator[list[str]]:
    yield from record_statements(fresh.store.url)


def record_statements(url: str) -> Iterator[list[str]]:
    """Every SQL statement the store at ``url`` runs while the generator is open."""
    from sqlalchemy import event

    from riverrun.server.services.runner import current_service

    engine = open_store(url).engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # A background service's pass (automations, scheduler) is no page's query.
        if current_service.get() is None:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def pages(seeded: Seed, big: str) -> list[str]:
    """Every page and fragment of the UI, on the seeded runs."""
    from riverrun._store.service import open_store

    store = open_store(seeded.url)
    task = store.read_task_runs(limit=1)[0]
    flow = store.read_flows(limit=1)[0]
    queue = store.read_work_queue_by_name("urgent", work_pool_name="laptop")
    if store.read_variable_by_name("ui_budget") is None:
        store.create_variable("ui_budget", {"pages": 1})
    urls = [f"/work-queues/{queue.id}", "/variables/edit?name=ui_budget", "/", "/?window=30d", "/runs", "/runs?state=FAILED&xtag=env:pro&tag=team:data&name=x&flow=etl.extract",
            "/runs?deployment=nightly", "/ui/suggest?what=flow&q=vt", "/ui/suggest?what=tag&q=env",
            "/ui/suggest?what=deployment&q=n", f"/task-runs/{task.id}", "/flows", f"/flows/{flow.id}",
            "/blocks", "/variables", "/artifacts", "/settings", "/login",
            "/deployments", "/deployments?q=night&paused=false", f"/deployments/{seeded.sf_export}",
            f"/deployments/{seeded.sf_export}/run", f"/deployments/{seeded.deployment_id}",
            f"/deployments/{seeded.deployment_id}/run?again={seeded.deployment_run}",
            "/automations", f"/automations/{seeded.automation}", "/automations/new",
            "/runs/bulk?action=cancel&state=RUNNING", "/runs/bulk?action=delete&xtag=env:pro&window=30d",
            "/work-pools", "/work-pools/laptop", "/work-pools/gpu", "/concurrency",
            "/runs?pool=laptop&queue=urgent&state=SCHEDULED", "/ui/suggest?what=pool&q=lap"]  # fmt: skip
    for run in [r for r in (seeded.vtasks, seeded.running, seeded.failed, big) if r]:
        urls += [
            f"/flow-runs/{run}?tab={tab}"
            for tab in ("logs", "tasks", "artifacts", "states", "details")
        ]
        urls += [
            f"/flow-runs/{run}/logs?q=batch&level=10",
            f"/flow-runs/{run}?tab=tasks&state=COMPLETED&q=step",
        ]
    return urls


def check_pages(client: TestClient, urls: list[str], statements: list[str]) -> None:
    """Every page answers 200 and runs only bounded SELECTs."""
    offenders: dict[str, list[str]] = {}
    seen = 0
    for url in urls:
        statements.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        seen += len(statements)
        bad = [s for s in statements if unbounded(s)]
        if bad:
            offenders[url] = bad
    assert seen > 50, "the recorder caught almost nothing: is it listening?"
    assert not offenders, offenders


def test_every_page_runs_only_bounded_queries(client: TestClient, seeded: Seed, big: str,
                                              statements: list[str]) -> None:  # fmt: skip
    check_pages(client, pages(seeded, big), statements)


def test_backfill_preview_and_bulk_preview_run_only_bounded_queries(client: TestClient, seeded: Seed,
                                                                    statements: list[str]) -> None:  # fmt: skip
    csrf = client.get("/runs").cookies.get("rr_csrf") or client.cookies.get("rr_csrf")
    form = {"csrf": csrf, "start": "2026-01-01T00:00", "end": "2026-01-31T00:00", "preview": "1"}
    response = client.post(f"/deployments/{seeded.sf_export}/backfill", data=form)
    assert response.status_code == 200, response.text[:300]
    assert len(statements) > 2 and not [s for s in statements if unbounded(s)]


def test_creating_an_automation_from_its_form_runs_only_bounded_queries(
    client: TestClient, statements: list[str]
) -> None:
    csrf = client.get("/automations/new").cookies.get("rr_csrf") or client.cookies.get("rr_csrf")
    statements.clear()
    form = {"csrf": csrf, "name": "", "states": "Failed", "posture": "Reactive",
            "action": "cancel-flow-run", "flows": "etl.extract"}  # fmt: skip
    assert client.post("/automations/new", data=form).status_code == 422
    created = client.post(
        "/automations/new", data={**form, "name": "budget"}, follow_redirects=False
    )
    assert created.status_code == 303, created.text[:300]
    assert len(statements) > 3 and not [s for s in statements if unbounded(s)]


def test_the_bound_check_catches_an_unbounded_select() -> None:
    assert unbounded("SELECT flow_run.id FROM flow_run WHERE flow_run.state_type = ?")
    assert not unbounded("SELECT flow_run.id FROM flow_run WHERE flow_run.state_type = ? LIMIT ?")
    assert not unbounded("SELECT flow_run.id FROM flow_run WHERE flow_run.id = ?")
    assert not unbounded("SELECT flow.id FROM flow WHERE flow.id = %(id_1)s::VARCHAR")
    assert unbounded(
        "SELECT log.id FROM log WHERE log.flow_run_id = %(id_1)s::VARCHAR ORDER BY log.timestamp"
    )


def test_the_bound_check_allows_a_pools_runs_in_progress_but_not_its_history() -> None:
    active = (
        "SELECT count(*) FROM flow_run WHERE flow_run.work_pool_name = ? AND flow_run.state_type"
    )
    assert not unbounded(active + " IN (?, ?, ?)")
    assert unbounded(active + " = ?")
    assert unbounded("SELECT flow_run.id FROM flow_run WHERE flow_run.work_pool_name = ?")
    assert not unbounded("SELECT holder_id FROM concurrency_lease WHERE concurrency_lease.limit_id "
                         "= ? AND concurrency_lease.expires > ? ORDER BY created")  # fmt: skip
    assert unbounded("SELECT * FROM concurrency_lease WHERE concurrency_lease.limit_id = ?")


def test_big_run_page_draws_one_timeline_row_per_task_not_per_run(
    client: TestClient, big: str
) -> None:
    html = client.get(f"/flow-runs/{big}").text
    assert html.count('"kind": "group"') == 20 and '"count": 500' in html
    assert "10,000 task runs" in html


def test_counts_are_capped_and_say_so(seeded: Seed) -> None:
    capped = open_store(seeded.url).count_flow_runs_capped(cap=2)
    assert (capped.value, capped.more) == (2, True)


def test_total_javascript_is_under_150_kb_gzipped() -> None:
    scripts = sorted(STATIC.rglob("*.js"))
    assert {p.name for p in scripts} == {"app.js", "htmx.min.js"}
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in scripts)
    assert total < 150 * 1024, total


def test_no_template_polls() -> None:
    # htmx polls with hx-trigger="every ..." or load delay; a live run uses SSE instead.
    for template in (HERE / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"hx-trigger=\"[^\"]*\bevery\b", text), template.name
    assert "setInterval" not in (STATIC / "app.js").read_text()


def test_vendored_files_keep_their_licence_and_origin() -> None:
    vendor = STATIC / "vendor"
    assert (vendor / "htmx.LICENSE").read_text().strip()
    assert "htmx.org@2.0.8 https://registry.npmjs.org/" in (vendor / "VENDORED.txt").read_text()


def test_pages_reference_no_other_site() -> None:
    for path in [*Path(HERE / "templates").glob("*.html"), STATIC / "app.css"]:
        assert not re.search(r"(src|href)=\"(https?:)?//", path.read_text()), path.name


def test_dashboard_counts_stop_at_the_cap_and_say_so(seeded: Seed) -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    activity = open_store(seeded.url).flow_run_activity(now - timedelta(days=1), now, 24, cap=2)
    assert activity.capped and sum(sum(b.values()) for b in activity.buckets) == 3
    assert activity.counted_since > now - timedelta(days=1)


def test_tag_typeahead_skipping_through_the_index_finds_what_a_scan_finds(fresh: Fresh) -> None:
    from riverrun._internal.clock import now_us
    from riverrun._store import testing as ev

    tags = [f"customer-{i}" for i in range(30)] + ["env:pro", "Env:Dev", "100%_sure"]
    fresh.store.ingest(
        [
            ev.flow_run_event(tags=[tag, "shared"], created=now_us() - i)
            for i, tag in enumerate(tags)
        ]
    )
    import sqlalchemy as sa

    from riverrun._store import tables as t
    from riverrun._store.dialect import case_insensitive_like

    col = t.flow_run_tag.c.tag
    for text in ("customer-1", "env", "ENV:", "%_", "nothing-like-it", "e"):
        scan = (
            sa.select(col)
            .distinct()
            .where(case_insensitive_like(col, text))
            .order_by(col)
            .limit(20)
        )
        with fresh.store.connect() as conn:
            expected = [str(v) for (v,) in conn.execute(scan)]
        assert fresh.store.suggest("tag", text) == expected, text


def test_tag_typeahead_past_its_distinct_cap_falls_back_to_a_scan(fresh: Fresh) -> None:
    from riverrun._internal.clock import now_us
    from riverrun._store import testing as ev

    fresh.store.ingest(
        [ev.flow_run_event(tags=[f"t{i:02d}", "zz-last"], created=now_us() - i) for i in range(12)]
    )
    assert fresh.store._suggest_tags("zz", 20, distinct_cap=5) is None  # type: ignore[attr-defined]
    assert fresh.store.suggest("tag", "zz") == ["zz-last"]


def test_a_tag_count_reads_the_tag_index_not_every_run(
    fresh: Fresh, statements_of_fresh: list[str]
) -> None:
    from datetime import datetime, timedelta, timezone

    from riverrun.server.ui import data

    q = data.RunQuery(tags=("team:a",), since=datetime.now(timezone.utc) - timedelta(days=1))
    data.runs_page(fresh.store, q)
    counts = [s for s in statements_of_fresh if s.lstrip().upper().startswith("SELECT COUNT")]
    assert counts and "flow_run.id IN (SELECT flow_run_tag.flow_run_id" in " ".join(
        counts[0].split()
    )
