"""Every page and fragment renders from a seeded store, through the whole app."""

from __future__ import annotations

import re

import pytest
from ui_seed import Seed, TestClient


def _get(client: TestClient, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_dashboard_counts_runs_by_state_in_its_window(client: TestClient) -> None:
    html = _get(client, "/?window=24h")
    assert "Flow runs in the last 24h" in html
    assert "/runs?window=24h&amp;state=FAILED" in html
    assert "etl.extract" in html  # a recent failure


def test_dashboard_of_an_empty_store_says_so(empty_client: TestClient) -> None:
    html = _get(empty_client, "/")
    assert "No failed runs in this window." in html and "Nothing is running." in html


def test_runs_list_shows_every_run_newest_first(client: TestClient, seeded: Seed) -> None:
    html = _get(client, "/runs")
    assert html.index("etl.load") < html.index("etl.extract")  # started 5 s vs 60 s ago
    for flow in ("vtasks", "vtasks.backup", "etl.load", "etl.extract"):
        assert f'<span class="flow-name">{flow}</span>' in html


def test_runs_filter_by_state(client: TestClient) -> None:
    html = _get(client, "/runs?state=RUNNING")
    assert "etl.load" in html and "etl.extract" not in html


def test_runs_filter_excludes_a_tag(client: TestClient) -> None:
    html = _get(client, "/runs?xtag=env:pro")
    assert "etl.load" in html  # env:dev
    assert "etl.extract" not in html and ">vtasks<" not in html


def test_runs_filter_by_flow_and_tag_from_the_url(client: TestClient) -> None:
    html = _get(client, "/runs?flow=etl.extract&tag=team:data")
    assert "<b>1</b> flow run match" in html and "etl.extract" in html


def test_runs_filter_fragment_is_only_the_table(client: TestClient) -> None:
    html = _get(client, "/runs?state=FAILED", **{"HX-Request": "true", "HX-Target": "runs-table"})
    assert "<html" not in html and "etl.extract" in html


def test_suggest_finds_tags_on_the_server(client: TestClient) -> None:
    html = _get(client, "/ui/suggest?what=tag&tag=team")
    assert html.strip() == '<option value="team:data">'


def test_suggest_refuses_an_unknown_kind(client: TestClient) -> None:
    response = client.get("/ui/suggest?what=color&q=x")
    assert response.status_code == 400 and "choose flow, deployment, tag or pool" in response.text


@pytest.mark.parametrize("tab", ["logs", "tasks", "artifacts", "states", "details"])
def test_flow_run_page_renders_each_tab(client: TestClient, seeded: Seed, tab: str) -> None:
    html = _get(client, f"/flow-runs/{seeded.vtasks}?tab={tab}")
    assert 'id="gantt-data"' in html
    assert re.search(rf'\?tab={tab}"[^>]*class="active"', html)


def test_flow_run_tree_nests_subflows_by_dotted_names(client: TestClient, seeded: Seed) -> None:
    html = _get(client, f"/flow-runs/{seeded.vtasks}")
    for name in ('"label": "vtasks"', '"label": "vtasks.backup"', '"label": "vtasks.backup.copy-0"',
                 '"label": "vtasks.expensor.report-0"'):  # fmt: skip
        assert name in html


def test_flow_run_tab_request_from_htmx_gets_only_the_tab(client: TestClient, seeded: Seed) -> None:
    html = _get(
        client,
        f"/flow-runs/{seeded.failed}?tab=states",
        **{"HX-Request": "true", "HX-Target": "tab"},
    )
    assert "<html" not in html and "gantt" not in html and "Failed" in html


def test_flow_run_artifact_markdown_is_rendered_as_html(client: TestClient, seeded: Seed) -> None:
    html = _get(client, f"/flow-runs/{seeded.failed}?tab=artifacts")
    assert "<h1>Extract report</h1>" in html and "<table>" in html


def test_log_search_runs_on_the_server(client: TestClient, seeded: Seed) -> None:
    html = _get(client, f"/flow-runs/{seeded.running}/logs?q=batch%202")
    assert "loading batch 2" in html and "loading batch 1" not in html


def test_log_level_filter_keeps_lines_at_or_above(client: TestClient, seeded: Seed) -> None:
    assert "No lines match." in _get(client, f"/flow-runs/{seeded.running}/logs?level=40")
    assert "boom: connection refused" in _get(client, f"/flow-runs/{seeded.failed}/logs?level=40")


def test_logs_download_as_text(client: TestClient, seeded: Seed) -> None:
    response = client.get(f"/flow-runs/{seeded.running}/logs.txt")
    assert response.status_code == 200 and response.text.count("loading batch") == 3
    assert "attachment" in response.headers["content-disposition"]


def test_task_runs_tab_filters_by_state_on_the_server(client: TestClient, seeded: Seed) -> None:
    html = _get(client, f"/flow-runs/{seeded.running}?tab=tasks&state=FAILED")
    assert "No task runs match." in html
    assert "my_task-" in _get(client, f"/flow-runs/{seeded.running}?tab=tasks&state=COMPLETED")


def test_task_run_page_shows_states_and_retries(client: TestClient, seeded: Seed) -> None:
    from riverrun._store.service import open_store

    task = next(
        t for t in open_store(seeded.url).read_task_runs(limit=50) if "clean_backups" in t.name
    )
    html = _get(client, f"/task-runs/{task.id}")
    assert "Retrying" in html or "AwaitingRetry" in html
    assert "Retries</span>" not in html and "Retries 2" in html


def test_unknown_flow_run_is_a_404_page_naming_it(client: TestClient) -> None:
    response = client.get("/flow-runs/nope")
    assert response.status_code == 404 and "No flow run with ID &#39;nope&#39;" in response.text


def test_unknown_api_path_stays_json(client: TestClient) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404 and response.json()["detail"].startswith("No API route")


def test_a_method_an_api_path_does_not_serve_is_a_405_naming_the_ones_it_does(
    client: TestClient,
) -> None:
    response = client.request("PUT", "/api/health")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert "it answers GET" in response.json()["detail"]


@pytest.mark.parametrize(
    "url", ["/flows", "/blocks", "/variables", "/artifacts", "/settings", "/login"]
)
def test_catalog_pages_render(client: TestClient, url: str) -> None:
    assert "riverrun" in _get(client, url)


def test_flow_page_lists_its_runs(client: TestClient, seeded: Seed) -> None:
    from riverrun._store.service import open_store

    store = open_store(seeded.url)
    html = _get(client, f"/flows/{store.read_flow_by_name('vtasks').id}")
    assert f"/flow-runs/{seeded.vtasks}" in html and "etl.load" not in html


def test_static_files_are_served_from_the_package_and_cached(client: TestClient) -> None:
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200 and "immutable" in response.headers["cache-control"]


def test_live_stream_of_a_finished_run_ends_at_once(client: TestClient, seeded: Seed) -> None:
    body = client.get(f"/flow-runs/{seeded.failed}/stream").text
    assert "event: state" in body and body.rstrip().endswith("data: Failed")


def test_live_stream_resumes_after_the_last_event_id(client: TestClient, seeded: Seed) -> None:
    from riverrun._store.service import open_store

    logs = open_store(seeded.url).read_log_page(seeded.failed)
    last = logs[-1]
    cursor = f"{int(last.timestamp.timestamp() * 1e6)}_{last.id}"
    body = client.get(f"/flow-runs/{seeded.failed}/stream", headers={"Last-Event-ID": cursor}).text
    assert "event: logs" not in body
    assert "event: logs" in client.get(f"/flow-runs/{seeded.failed}/stream").text
