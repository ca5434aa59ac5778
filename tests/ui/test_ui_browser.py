"""End to end in real Chromium against a real ``riverrun server`` on loopback.

Chromium is Debian's ``/usr/bin/chromium`` (``.ci/run`` installs it); these tests fail, never
skip, without it. Every request to an address other than 127.0.0.1 is aborted and recorded,
and the tests assert there were none. Screenshots go to a temporary folder, or to
``docs/img/ui-*.png`` with ``UI_SCREENSHOTS=docs`` (how ``docs/ui.md``'s pictures are made).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from ui_seed import ROOT, SF_EXPORT, Seed, add_block_type, big_run, running_run, seed

from riverrun._internal.clock import now_us
from riverrun._store import testing as ev
from riverrun._store.service import open_store
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.server.testing import ServerProcess

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
WAIT_MS = 15_000

pytestmark = pytest.mark.slow


@dataclass
class Traffic:
    """Every request the browser made, and those aborted for leaving loopback."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def _shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("UI_SCREENSHOTS") == "docs":
        return ROOT / "docs" / "img"
    return tmp_path_factory.mktemp("shots")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (as .ci/run does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-home")


@pytest.fixture(scope="module")
def seeded_home(home: Path) -> Seed:
    seeded = seed(home)
    add_block_type(open_store(seeded.url))
    return seeded


@pytest.fixture(scope="module")
def server(home: Path, seeded_home: Seed) -> Iterator[ServerProcess]:
    with ServerProcess(home) as proc:
        yield proc


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def page(chromium: Any, traffic: Traffic) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 860})

    def route(r: Any) -> None:
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith("data:") or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            traffic.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("request", lambda req: traffic.requests.append(req.url))
    yield tab
    context.close()
    assert not errors, errors
    assert not traffic.blocked, traffic.blocked


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _shots_dir(tmp_path_factory)


def _open(page: Any, traffic: Traffic, url: str, *, live: bool = False) -> int:
    """Load a page; return how many requests drawing it took."""
    traffic.requests.clear()
    page.goto(url, wait_until="load" if live else "networkidle")
    return len(traffic.requests)


def test_browse_runs_and_filter_by_state(
    page: Any, server: ServerProcess, traffic: Traffic, shots: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    assert _open(page, traffic, f"{base}/runs") <= 5
    page.get_by_text("etl.extract").first.wait_for()
    page.screenshot(path=str(shots / "ui-runs.png"), full_page=True)
    traffic.requests.clear()
    page.get_by_label("failed").check()
    page.wait_for_url(re.compile(r"state=FAILED"))
    page.locator("#runs-table .summary", has_text="2 flow runs match").wait_for()
    assert page.locator("#runs-table").get_by_text("etl.load").count() == 0
    assert [u for u in traffic.requests if "/runs" in u] == [u for u in traffic.requests][:1]


def test_tag_typeahead_asks_the_server(page: Any, server: ServerProcess, traffic: Traffic) -> None:
    _open(page, traffic, f"http://127.0.0.1:{server.port}/runs")
    page.get_by_label("Not tag").fill("team")
    page.wait_for_function("document.querySelector('#dl-xtag option')?.value === 'team:data'")


def test_flow_run_page_shows_the_tree_and_switches_tabs_in_one_request(
    page: Any, server: ServerProcess, seeded_home: Seed, traffic: Traffic, shots: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    assert _open(page, traffic, f"{base}/flow-runs/{seeded_home.vtasks}") <= 5
    gantt = page.locator("#gantt")
    for name in ("vtasks", "vtasks.backup", "vtasks.backup.copy-0", "vtasks.expensor.report-0"):
        gantt.get_by_text(name, exact=True).wait_for()
    page.screenshot(path=str(shots / "ui-flow-run.png"), full_page=True)
    traffic.requests.clear()
    page.get_by_role("tab", name="Tasks").click()
    page.locator("#tab").get_by_text("vtasks.backup-0").wait_for()
    assert len(traffic.requests) == 1 and page.url.endswith("tab=tasks")


def test_running_run_streams_logs_and_its_final_state(
    page: Any, server: ServerProcess, seeded_home: Seed, traffic: Traffic, shots: Path
) -> None:
    store = open_store(seeded_home.url)
    run_id = running_run(store, flow_name="etl.stream")
    assert (
        _open(page, traffic, f"http://127.0.0.1:{server.port}/flow-runs/{run_id}", live=True) <= 5
    )
    page.locator("#log-lines").get_by_text("loading batch 2").wait_for()
    store.ingest([ev.log_event(run_id, "a line written after the page opened")])
    page.locator("#log-lines").get_by_text("a line written after the page opened").wait_for()
    page.screenshot(path=str(shots / "ui-flow-run-live.png"), full_page=True)
    store.ingest([ev.state_event(run_id, "COMPLETED", "Completed", end_time=now_us())])
    page.locator("#run-state", has_text="Completed").wait_for()
    # The stream ends with the run and the page redraws once: nothing polls afterwards.
    page.wait_for_function("!document.querySelector('#runview').dataset.live")
    streams = [u for u in traffic.requests if "/stream" in u]
    assert len(streams) == 1, streams


def test_finished_run_page_opens_no_stream(page: Any, server: ServerProcess, seeded_home: Seed,
                                           traffic: Traffic) -> None:  # fmt: skip
    _open(page, traffic, f"http://127.0.0.1:{server.port}/flow-runs/{seeded_home.failed}")
    assert not [u for u in traffic.requests if "/stream" in u]


def test_cancel_a_running_run(
    page: Any, server: ServerProcess, seeded_home: Seed, traffic: Traffic
) -> None:
    store = open_store(seeded_home.url)
    run_id = running_run(store, flow_name="etl.cancel-me")
    _open(page, traffic, f"http://127.0.0.1:{server.port}/flow-runs/{run_id}", live=True)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel").click()
    page.locator("#run-state", has_text="Cancelling").wait_for()
    assert store.read_flow_run(run_id).state_type.value == "CANCELLING"  # type: ignore[union-attr]


def test_retry_a_failed_run_of_a_deployment(page: Any, server: ServerProcess, seeded_home: Seed,
                                            traffic: Traffic) -> None:  # fmt: skip
    _open(page, traffic, f"http://127.0.0.1:{server.port}/flow-runs/{seeded_home.deployment_run}")
    page.get_by_role("button", name="Retry").click()
    page.locator("#run-state", has_text="AwaitingRetry").wait_for()
    run = open_store(seeded_home.url).read_flow_run(seeded_home.deployment_run)
    assert (run.state_type.value, run.state_name) == ("SCHEDULED", "AwaitingRetry")  # type: ignore[union-attr]


def test_a_bad_form_value_shows_the_error_at_its_field(page: Any, server: ServerProcess, traffic: Traffic,
                                                       shots: Path) -> None:  # fmt: skip
    _open(page, traffic, f"http://127.0.0.1:{server.port}/blocks/new/mail-server")
    page.get_by_label("Block name").fill("outbox")
    page.get_by_label("Host").fill("smtp.example.internal")
    page.get_by_label("Port").fill("70000")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#f-p-port-error")
    error.wait_for()
    assert error.inner_text() == "Must be at most 65535."
    assert page.get_by_label("Host").input_value() == "smtp.example.internal"
    assert page.get_by_label("Port").input_value() == "70000"
    page.screenshot(path=str(shots / "ui-block-form.png"), full_page=True)
    page.get_by_label("Port").fill("2525")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    assert page.get_by_label("Password").input_value() != "pw"


@pytest.mark.parametrize("name,path", [("dashboard", "/"), ("flows", "/flows"), ("blocks", "/blocks"),
                                       ("variables", "/variables"), ("artifacts", "/artifacts"),
                                       ("settings", "/settings")])  # fmt: skip
def test_page_draws_in_at_most_five_requests(page: Any, server: ServerProcess, traffic: Traffic, shots: Path,
                                             name: str, path: str) -> None:  # fmt: skip
    assert _open(page, traffic, f"http://127.0.0.1:{server.port}{path}") <= 5
    page.locator("h1").first.wait_for()
    page.screenshot(path=str(shots / f"ui-{name}.png"), full_page=True)


def test_task_run_page(
    page: Any, server: ServerProcess, seeded_home: Seed, traffic: Traffic, shots: Path
) -> None:
    task = next(
        t for t in open_store(seeded_home.url).read_task_runs(limit=50) if "clean_backups" in t.name
    )
    assert _open(page, traffic, f"http://127.0.0.1:{server.port}/task-runs/{task.id}") <= 5
    page.get_by_text("transient storage error").first.wait_for()
    page.screenshot(path=str(shots / "ui-task-run.png"), full_page=True)


def test_ten_thousand_task_run_draws_only_the_rows_in_view(page: Any, server: ServerProcess, seeded_home: Seed,
                                                           traffic: Traffic, shots: Path) -> None:  # fmt: skip
    run_id = big_run(open_store(seeded_home.url), tasks=10_000)
    assert _open(page, traffic, f"http://127.0.0.1:{server.port}/flow-runs/{run_id}") <= 5
    page.locator("#gantt .g-row").first.wait_for()
    assert page.locator("#gantt .g-row").count() <= 40
    assert "10,000 task runs" in page.locator(".facts").inner_text()
    page.screenshot(path=str(shots / "ui-flow-run-10k.png"), full_page=True)


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    home = tmp_path_factory.mktemp("auth-home")
    from riverrun._store.api_keys import create_api_key

    seeded = seed(home, demo=False)
    _, key = create_api_key(open_store(seeded.url), "browser")
    with ServerProcess(home, auth=True) as proc:
        yield proc, key


def test_log_in_with_an_api_key(page: Any, auth_server: tuple[ServerProcess, str], traffic: Traffic,
                                shots: Path) -> None:  # fmt: skip
    server, key = auth_server
    _open(page, traffic, f"http://127.0.0.1:{server.port}/runs")
    assert "/login" in page.url
    page.get_by_label("API key").fill("rr_not-a-key")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("not valid for this server").wait_for()
    page.screenshot(path=str(shots / "ui-login.png"), full_page=True)
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/runs$"))
    page.get_by_text("etl.extract").first.wait_for()
    cookie = next(c for c in page.context.cookies() if c["name"] == "rr_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


# -- deployments: the guide's sf_export served for real, triggered from its form ------------------

SERVED = "riverrun.emr.salesforce.sf_export/ui-export"


@pytest.fixture(scope="module")
def served(home: Path, server: ServerProcess) -> Iterator[str]:
    """``sf_export.serve(name="ui-export")`` on the server's SQLite file (what runs deployment
    runs with no workers: the serving process starts each run in a subprocess); its ID."""
    script = home / "serve_sf_export.py"
    script.write_text(
        SF_EXPORT
        + '\n\nif __name__ == "__main__":\n    sf_export.serve(name="ui-export", parameters={"env": "pre"})\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    env["RIVERRUN_HOME"] = str(home)
    with (home / "serve.log").open("wb") as out:
        process = subprocess.Popen([sys.executable, str(script)], cwd=home, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        store = open_store(server_url(home))
        deadline = time.monotonic() + 60
        while True:
            found = [d for d in store.read_deployments(limit=20) if d.name == "ui-export"]
            if found:
                break
            assert process.poll() is None, (home / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve() did not create its deployment in 60 s"
            time.sleep(0.1)
        yield found[0].id
    finally:
        process.terminate()
        process.wait(timeout=60)


def server_url(home: Path) -> str:
    from riverrun._store.dialect import sqlite_url

    return sqlite_url(home / "riverrun.db")


def test_trigger_sf_export_from_its_form_and_watch_it_complete(page: Any, server: ServerProcess, served: str,
                                                               traffic: Traffic, shots: Path) -> None:  # fmt: skip
    base = f"http://127.0.0.1:{server.port}"
    assert _open(page, traffic, f"{base}/deployments/{served}/run") <= 5
    env = page.locator("#f-p-env")
    assert env.evaluate("e => e.tagName") == "SELECT"
    assert env.locator("option").all_inner_texts() == ["pre", "snd", "pro"]
    env.select_option("snd")
    page.locator("#f-p-min-date").fill("2025-01-31T09:30:00")
    assert page.locator("#f-p-timeout-mins").input_value() == "150"  # the default, kept
    assert page.locator("#f-p-version").input_value() == "latest"
    page.screenshot(path=str(shots / "ui-deployment-run.png"), full_page=True)
    traffic.requests.clear()
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_url(re.compile(r"/flow-runs/[0-9a-f-]+$"))
    run_id = page.url.rsplit("/", 1)[1]
    page.locator("#log-lines").get_by_text(
        "exporting snd from datetime.datetime(2025, 1, 31, 9, 30"
    ).wait_for(timeout=90_000)
    page.locator("#run-state", has_text="Completed").wait_for(timeout=90_000)
    assert any("/stream" in u for u in traffic.requests), "the page did not stream the running run"
    run = open_store(server_url(server.home)).read_flow_run(run_id)
    assert run.state_name == "Completed" and run.parameters["env"] == "snd"
    assert run.parameters["timeout_mins"] == 150 and run.deployment_id == served


def test_a_bad_run_form_value_shows_the_error_at_its_field(page: Any, server: ServerProcess, served: str,
                                                           traffic: Traffic) -> None:  # fmt: skip
    _open(page, traffic, f"http://127.0.0.1:{server.port}/deployments/{served}/run")
    page.locator("#f-p-min-date").fill("2025-01-31T09:30:00")
    page.locator("#f-p-min-date-tz").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Run", exact=True).click()
    error = page.locator("#f-p-min-date-error")
    error.wait_for()
    assert "Unknown timezone 'Mars/Olympus_Mons'" in error.inner_text()
    assert page.locator("#f-p-min-date").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-p-min-date-tz").input_value() == "Mars/Olympus_Mons"
    assert "/flow-runs/" not in page.url


def test_deployment_pages_draw_in_at_most_five_requests(page: Any, server: ServerProcess, seeded_home: Seed,
                                                        traffic: Traffic, shots: Path) -> None:  # fmt: skip
    base = f"http://127.0.0.1:{server.port}"
    assert _open(page, traffic, f"{base}/deployments") <= 5
    page.get_by_role("link", name="nightly").first.wait_for()
    page.screenshot(path=str(shots / "ui-deployments.png"), full_page=True)
    assert _open(page, traffic, f"{base}/deployments/{seeded_home.sf_export}") <= 5
    page.locator("#schedules").wait_for()
    page.get_by_label("Start").fill("2026-11-01T00:00")
    page.get_by_label("End").fill("2026-11-03T23:00")
    page.get_by_role("button", name="Preview").click()
    page.locator("#backfill-plan", has_text="3 run(s) would be created").wait_for()
    page.screenshot(path=str(shots / "ui-deployment.png"), full_page=True)


def test_disable_an_automation_from_its_page(page: Any, server: ServerProcess, seeded_home: Seed,
                                             traffic: Traffic, shots: Path) -> None:  # fmt: skip
    base = f"http://127.0.0.1:{server.port}"
    assert _open(page, traffic, f"{base}/automations") <= 5
    page.screenshot(path=str(shots / "ui-automations.png"), full_page=True)
    page.get_by_role("button", name="Disable page on failure").click()
    page.get_by_role("button", name="Enable page on failure").wait_for()
    record = open_store(seeded_home.url).read_automation(seeded_home.automation)
    assert record is not None and record.enabled is False
    _open(page, traffic, f"{base}/automations/{seeded_home.automation}")
    page.locator("#trigger").get_by_text("riverrun.flow-run.Failed").first.wait_for()
    page.screenshot(path=str(shots / "ui-automation.png"), full_page=True)


def test_create_an_automation_with_its_form(page: Any, server: ServerProcess, traffic: Traffic,
                                           shots: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
    block = CustomWebhookNotificationBlock(name="ops", url="http://127.0.0.1:9/ops")
    # Saved through the server's API, off Playwright's thread: on a thread with a running
    # event loop, save() returns the coroutine to await instead (as Prefect's does).
    with ThreadPoolExecutor(1) as pool:
        pool.submit(block.save, "ops-hook").result()
    base = f"http://127.0.0.1:{server.port}"
    _open(page, traffic, f"{base}/automations")
    page.get_by_role("link", name="New automation").click()
    page.wait_for_url(re.compile(r"/automations/new$"))
    page.get_by_label("Flows", exact=True).fill("etl.extract")
    page.get_by_label("Tags", exact=True).fill("env:pro")
    page.get_by_label("Crashed", exact=True).check()
    page.get_by_label("Change the flow run's state").check()
    page.get_by_label("New state").wait_for()
    assert not page.get_by_label("Subject").is_visible()
    page.get_by_label("Send a notification").check()
    page.get_by_label("Notification block").select_option(label="Custom Webhook: ops-hook")
    assert not page.get_by_label("New state").is_visible()
    page.get_by_label("Name", exact=True).fill("extract failures")
    page.screenshot(path=str(shots / "ui-automation-new.png"), full_page=True)
    page.get_by_role("button", name="Create automation").click()
    page.get_by_text("Created 'extract failures'.").wait_for()
    page.locator("#as-python").get_by_text("riverrun.flow-run.Crashed").first.wait_for()
    page.screenshot(path=str(shots / "ui-automation-created.png"), full_page=True)
    page.get_by_role("link", name="Automations").first.click()
    page.locator("#automations").get_by_role("link", name="extract failures").wait_for()


def test_bulk_cancel_all_that_match_from_the_runs_page(page: Any, server: ServerProcess, seeded_home: Seed,
                                                       traffic: Traffic, shots: Path) -> None:  # fmt: skip
    store = open_store(seeded_home.url)
    ids = [running_run(store, flow_name="etl.bulk") for _ in range(3)]
    base = f"http://127.0.0.1:{server.port}"
    _open(page, traffic, f"{base}/runs?flow=etl.bulk&state=RUNNING")
    page.get_by_role("link", name="Cancel…").click()
    page.locator("#bulk-preview", has_text="This will cancel 3 flow runs").wait_for()
    page.screenshot(path=str(shots / "ui-runs-bulk.png"), full_page=True)
    page.get_by_role("button", name="Cancel 3 runs").click()
    page.get_by_text("Cancel: 3 run(s) changed, 0 left as they were.").wait_for()
    assert {store.read_flow_run(i).state_name for i in ids} == {"Cancelling"}


def test_pause_a_work_pool_by_clicking(page: Any, server: ServerProcess, seeded_home: Seed,
                                       traffic: Traffic, shots: Path) -> None:  # fmt: skip
    base = f"http://127.0.0.1:{server.port}"
    assert _open(page, traffic, f"{base}/work-pools") <= 5
    page.screenshot(path=str(shots / "ui-work-pools.png"), full_page=True)
    page.get_by_role("button", name="Pause laptop").click()
    page.get_by_role("button", name="Resume laptop").wait_for()
    store = open_store(seeded_home.url)
    assert store.read_work_pool("laptop").is_paused is True
    assert _open(page, traffic, f"{base}/work-pools/laptop") <= 5
    page.get_by_role("button", name="Resume laptop").click()
    page.get_by_role("button", name="Pause laptop").wait_for()
    assert store.read_work_pool("laptop").is_paused is False
    # The module's server has run for minutes: beat now so the picture shows one online.
    store.send_worker_heartbeat("laptop", "laptop-w1", heartbeat_interval_seconds=30)
    page.reload()
    page.locator("#workers tr", has_text="laptop-w1").get_by_text("Online").wait_for()
    page.locator("#workers tr", has_text="laptop-w0").get_by_text("Offline").wait_for()
    page.screenshot(path=str(shots / "ui-work-pool.png"), full_page=True)


def test_a_zero_concurrency_limit_is_refused_at_its_field(page: Any, server: ServerProcess,
                                                          traffic: Traffic, shots: Path) -> None:  # fmt: skip
    assert _open(page, traffic, f"http://127.0.0.1:{server.port}/concurrency") <= 5
    form = page.locator("#new-g")
    form.get_by_label("Name").fill("warehouse")
    form.get_by_label("Limit").fill("0")
    form.get_by_role("button", name="Create limit").click()
    page.locator(
        "#g-limit-error", has_text="A limit of 0 would make every acquirer wait"
    ).wait_for()
    assert page.locator("#g-limit").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(shots / "ui-concurrency.png"), full_page=True)


def test_create_a_work_pool_and_edit_its_queue_by_clicking(page: Any, server: ServerProcess,
                                                           seeded_home: Seed, traffic: Traffic,
                                                           shots: Path) -> None:  # fmt: skip
    base = f"http://127.0.0.1:{server.port}"
    _open(page, traffic, f"{base}/work-pools")
    page.get_by_role("link", name="New work pool").click()
    form = page.locator("#new-pool")
    form.get_by_label("Name").fill("cluster")
    form.get_by_label("Description").fill("The shared build box.")
    form.get_by_label("Concurrency limit").fill("0")
    form.get_by_role("button", name="Create work pool").click()
    page.locator("#p-concurrency_limit-error", has_text="must be at least 1").wait_for()
    page.screenshot(path=str(shots / "ui-work-pool-new.png"), full_page=True)
    page.locator("#new-pool").get_by_label("Concurrency limit").fill("3")
    page.locator("#new-pool").get_by_role("button", name="Create work pool").click()
    page.get_by_text("Created the work pool 'cluster'.").wait_for()
    page.locator("#new-queue summary").click()
    queue_form = page.locator("#new-queue")
    queue_form.get_by_label("Name").fill("bulk")
    queue_form.get_by_label("Priority").fill("2")
    queue_form.get_by_role("button", name="Add queue").click()
    page.get_by_text("Added the queue 'bulk'.").wait_for()
    page.get_by_role("link", name="Edit queue bulk").click()
    page.wait_for_url(re.compile(r"/work-queues/"))
    page.get_by_label("Concurrency limit").fill("1")
    page.screenshot(path=str(shots / "ui-work-queue.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved the queue 'bulk'.").wait_for()
    store = open_store(seeded_home.url)
    assert store.read_work_pool("cluster").concurrency_limit == 3
    assert store.read_work_queue_by_name("bulk", work_pool_name="cluster").concurrency_limit == 1


def test_edit_an_automation_in_its_form(page: Any, server: ServerProcess, seeded_home: Seed,
                                        traffic: Traffic, shots: Path) -> None:  # fmt: skip
    from riverrun.automations import CancelFlowRun, flow_run_state_trigger
    from riverrun.schemas.automations import AutomationCore

    store = open_store(seeded_home.url)
    (flow,) = store.read_flows(flow_filter=_flow_named("etl.extract"), limit=1)
    made = store.create_automation(AutomationCore(
        name="stuck extracts", actions=[CancelFlowRun()],
        trigger=flow_run_state_trigger(["Running"], flow_ids=[flow.id], posture="Proactive",
                                       within=3600)))  # fmt: skip
    base = f"http://127.0.0.1:{server.port}"
    _open(page, traffic, f"{base}/automations/{made.id}")
    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/edit$"))
    assert page.get_by_label("Flows", exact=True).input_value() == "etl.extract"
    assert page.get_by_label("Running", exact=True).is_checked()
    page.get_by_label("Pending", exact=True).check()
    page.get_by_label("Name", exact=True).fill("stuck extracts or pending")
    page.screenshot(path=str(shots / "ui-automation-edit.png"), full_page=True)
    page.get_by_role("button", name="Save automation").click()
    page.get_by_text("Saved 'stuck extracts or pending'.").wait_for()
    record = store.read_automation(made.id)
    assert record is not None and record.trigger.after == {  # type: ignore[union-attr]
        "riverrun.flow-run.Pending", "riverrun.flow-run.Running"}  # fmt: skip


def _flow_named(name: str) -> Any:
    from riverrun.schemas.filters import FlowFilter, FlowFilterName

    return FlowFilter(name=FlowFilterName(any_=[name]))


def test_create_and_edit_a_variable_by_clicking(page: Any, server: ServerProcess, seeded_home: Seed,
                                                traffic: Traffic, shots: Path) -> None:  # fmt: skip
    base = f"http://127.0.0.1:{server.port}"
    assert _open(page, traffic, f"{base}/variables") <= 5
    form = page.locator("#new-variable")
    form.get_by_label("Name").fill("sf_tables")
    form.get_by_label("Value (JSON)").fill("['accounts']")
    form.get_by_role("button", name="Create variable").click()
    page.locator("#v-value-error", has_text="Not valid JSON").wait_for()
    page.locator("#new-variable").get_by_label("Value (JSON)").fill('["accounts", "contacts"]')
    page.locator("#new-variable").get_by_label("Tags").fill("sf")
    page.locator("#new-variable").get_by_role("button", name="Create variable").click()
    page.get_by_text("Created the variable 'sf_tables'.").wait_for()
    page.screenshot(path=str(shots / "ui-variables.png"), full_page=True)
    page.get_by_role("link", name="Edit sf_tables").click()
    page.get_by_label("Value (JSON)").fill('["accounts"]')
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved the variable 'sf_tables'.").wait_for()
    found = open_store(seeded_home.url).read_variable_by_name("sf_tables")
    assert found is not None and (found.value, found.tags) == (["accounts"], ["sf"])
