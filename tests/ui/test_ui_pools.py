"""Work pool, work queue, worker and concurrency limit pages, through the whole app, on pools
and limits made by their operations (``ui_seed.add_pools``)."""

from __future__ import annotations

import re

import pytest
from ui_seed import Fresh, Seed, TestClient, add_pools, seed

from riverrun._store.service import open_store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """The UI seed without the demo job (these pages need no task runs)."""
    return seed(tmp_path_factory.mktemp("ui-pools"), demo=False)


@pytest.fixture
def pools(fresh: Fresh) -> Fresh:
    """A store of its own with the seeded pools and limits, for tests that change them."""
    add_pools(fresh.store)
    return fresh


@pytest.fixture
def beating(seeded: Seed) -> None:
    """``laptop-w1`` heartbeats now, so it is ONLINE however long the module has run."""
    open_store(seeded.url).send_worker_heartbeat(
        "laptop", "laptop-w1", heartbeat_interval_seconds=30
    )


def _get(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return response.text


def _row(html: str, text: str) -> str:
    """The table row holding ``text``, tags and all."""
    for row in re.findall(r"<tr>.*?</tr>", html, re.S):
        if text in row:
            return str(row)
    raise AssertionError(f"no row holds {text!r}")


def _text(row: str) -> str:
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())


def test_work_pools_list_shows_status_limit_queues_workers_and_runs_waiting(
    client: TestClient, beating: None
) -> None:
    html = _get(client, "/work-pools")
    laptop = _text(_row(html, "Runs on the team laptop."))
    assert laptop.startswith("laptop Runs on the team laptop. process Ready 4 (1 in use) 2 1 1")
    assert _text(_row(html, ">gpu<")).startswith("gpu process Paused none 1 0 0 Resume")


def test_runs_waiting_link_to_the_pools_runs_waiting(client: TestClient) -> None:
    html = _get(client, "/work-pools")
    assert '<a href="/work-pools/laptop#waiting">1</a>' in html


def test_work_pool_page_shows_queues_with_priority_limit_and_late_runs(
    client: TestClient,
) -> None:
    html = _get(client, "/work-pools/laptop")
    assert _text(_row(html, ">default<")).startswith(
        "default The work pool's default queue. 1 none"
    )
    urgent = _row(html, ">urgent<")
    assert _text(urgent).startswith("urgent 2 2 Not Ready 1")
    assert 'href="#waiting"' in urgent


def test_work_pool_page_shows_workers_online_and_offline(client: TestClient, beating: None) -> None:
    html = _get(client, "/work-pools/laptop")
    assert "Online" in _row(html, "laptop-w1") and "Offline" in _row(html, "laptop-w0")
    assert "1 h ago" in _row(html, "laptop-w0")


def test_work_pool_page_shows_the_runs_waiting_for_a_worker(client: TestClient) -> None:
    html = _get(client, "/work-pools/laptop")
    waiting = html[html.index('id="waiting"') : html.index("Recent runs")]
    assert "<b>1</b> Scheduled run due" in waiting
    assert "etl.queued" in waiting and "etl.pooled" not in waiting


def test_work_pool_page_shows_the_pools_recent_runs(client: TestClient) -> None:
    html = _get(client, "/work-pools/laptop")
    recent = html[html.index("Recent runs") :]
    assert "<b>2</b> flow runs of this pool" in recent
    assert "etl.pooled" in recent and "etl.queued" in recent and "etl.extract" not in html


def test_a_pool_without_workers_says_how_to_start_one(client: TestClient) -> None:
    assert "riverrun worker start --pool gpu" in _get(client, "/work-pools/gpu")


def test_an_unknown_work_pool_is_a_404_naming_it(client: TestClient) -> None:
    response = client.get("/work-pools/laptpo")
    assert response.status_code == 404 and "No work pool named &#39;laptpo&#39;" in response.text


def test_runs_list_filters_by_work_pool(client: TestClient) -> None:
    html = _get(client, "/runs?pool=laptop")
    assert "<b>2</b> flow runs match" in html
    assert "etl.pooled" in html and "etl.extract" not in html


def test_runs_list_shows_a_scheduled_run_in_the_window_of_its_expected_start(
    client: TestClient,
) -> None:
    html = _get(client, "/runs?state=SCHEDULED&window=24h")
    assert "etl.queued" in html and "etl.pooled" not in html


def test_runs_list_counts_a_run_naming_no_queue_in_the_default_queue(client: TestClient) -> None:
    assert "etl.pooled" in _get(client, "/runs?pool=laptop&queue=default")
    urgent = _get(client, "/runs?pool=laptop&queue=urgent")
    assert "etl.queued" in urgent and "etl.pooled" not in urgent


def test_pool_typeahead_asks_the_server(client: TestClient) -> None:
    assert _get(client, "/ui/suggest?what=pool&pool=lap").strip() == '<option value="laptop">'


def test_nav_links_to_work_pools_and_concurrency(client: TestClient) -> None:
    html = _get(client, "/work-pools")
    assert '<a href="/work-pools" class="active" aria-current="page">Work pools</a>' in html
    assert '<a href="/concurrency">Concurrency</a>' in html


def test_pause_and_resume_a_pool_from_the_list(pools: Fresh) -> None:
    response = pools.post("/work-pools/laptop/pause", {})
    assert response.status_code == 303 and response.headers["location"] == "/work-pools"
    assert pools.store.read_work_pool("laptop").status.value == "PAUSED"  # type: ignore[union-attr]
    pools.post("/work-pools/laptop/resume", {})
    assert pools.store.read_work_pool("laptop").is_paused is False


def test_pause_from_the_pool_page_goes_back_to_it(pools: Fresh) -> None:
    response = pools.post("/work-pools/laptop/pause?back=pool", {})
    assert response.headers["location"] == "/work-pools/laptop"


def test_pausing_a_pool_needs_the_pages_csrf_token(pools: Fresh) -> None:
    response = pools.client.post("/work-pools/laptop/pause", data={"csrf": "forged"})
    assert response.status_code == 403 and pools.store.read_work_pool("laptop").is_paused is False


def test_pause_a_queue_from_its_pool_page(pools: Fresh) -> None:
    queue = pools.store.read_work_queue_by_name("urgent", work_pool_name="laptop")
    response = pools.post(f"/work-queues/{queue.id}/pause", {})
    assert response.headers["location"] == "/work-pools/laptop"
    assert pools.store.read_work_queue(queue.id).is_paused is True


# -- concurrency limits ---------------------------------------------------------------------------


def test_concurrency_page_lists_global_limits_with_slots_decay_and_switch(
    client: TestClient,
) -> None:
    html = _get(client, "/concurrency")
    assert _text(_row(html, ">database<")).startswith("database 5 0 — On")
    assert _text(_row(html, ">github-api<")).startswith("github-api 10 0 1.0 Off")


def test_tag_limits_are_listed_apart_not_among_the_global_limits(client: TestClient) -> None:
    html = _get(client, "/concurrency")
    tags = html[html.index('id="tag-limits"') :]
    assert _text(_row(tags, ">etl<")).startswith("etl 3 0 Reset Delete")
    assert "tag:etl" not in html


def test_active_slots_count_the_leases_held_now(pools: Fresh) -> None:
    pools.store.acquire_concurrency_slots_with_lease(["database"], slots=2)
    assert _text(_row(_get(pools.client, "/concurrency"), ">database<")).startswith("database 5 2")


def test_create_a_global_limit_from_the_form(pools: Fresh) -> None:
    form = {"name": "warehouse", "limit": "3", "slot_decay_per_second": "0.5", "active": "on"}
    response = pools.post("/concurrency/global", form)
    assert response.status_code == 303
    made = pools.store.read_global_concurrency_limit_by_name("warehouse")
    assert (made.limit, made.slot_decay_per_second, made.active) == (3, 0.5, True)


def test_a_global_limit_of_zero_is_refused_with_the_apis_reason(pools: Fresh) -> None:
    response = pools.post("/concurrency/global", {"name": "warehouse", "limit": "0"})
    assert response.status_code == 422
    error = re.search(r'id="g-limit-error" role="alert">([^<]+)<', response.text)
    assert error and error.group(1).startswith(
        "A limit of 0 would make every acquirer wait forever"
    )
    assert 'name="name" value="warehouse"' in response.text
    assert "warehouse" not in [x.name for x in pools.store.read_global_concurrency_limits()]


def test_a_global_limit_that_is_not_a_number_is_refused_at_its_field(pools: Fresh) -> None:
    response = pools.post("/concurrency/global", {"name": "warehouse", "limit": "lots"})
    assert response.status_code == 422 and "&#39;lots&#39; is not a whole number" in response.text


def test_a_global_limit_name_already_taken_is_refused_at_its_field(pools: Fresh) -> None:
    response = pools.post("/concurrency/global", {"name": "database", "limit": "2"})
    assert response.status_code == 422
    assert re.search(r'id="g-name-error" role="alert">A concurrency limit named', response.text)
    assert pools.store.read_global_concurrency_limit_by_name("database").limit == 5


def test_a_global_limit_name_with_a_slash_is_refused_with_the_reason(pools: Fresh) -> None:
    response = pools.post("/concurrency/global", {"name": "a/b", "limit": "2"})
    assert response.status_code == 422 and "cannot be part of a URL path" in response.text


def test_switch_a_global_limit_off_and_on(pools: Fresh) -> None:
    pools.post("/concurrency/global/deactivate", {"name": "database"})
    assert pools.store.read_global_concurrency_limit_by_name("database").active is False
    pools.post("/concurrency/global/activate", {"name": "database"})
    assert pools.store.read_global_concurrency_limit_by_name("database").active is True


def test_delete_a_global_limit(pools: Fresh) -> None:
    response = pools.post("/concurrency/global/delete", {"name": "database"})
    assert response.status_code == 303 and "Deleted" in response.headers["location"]
    assert "database" not in [x.name for x in pools.store.read_global_concurrency_limits()]


def test_create_a_tag_limit_from_the_form(pools: Fresh) -> None:
    assert (
        pools.post("/concurrency/tags", {"tag": "env:pro", "concurrency_limit": "2"}).status_code
        == 303
    )
    assert pools.store.read_concurrency_limit_by_tag("env:pro").concurrency_limit == 2


def test_a_tag_limit_of_zero_is_refused_with_the_apis_reason(pools: Fresh) -> None:
    response = pools.post("/concurrency/tags", {"tag": "env:pro", "concurrency_limit": "0"})
    assert response.status_code == 422
    error = re.search(r'id="t-concurrency_limit-error" role="alert">([^<]+)<', response.text)
    assert error and "A limit of 0 would make every acquirer wait forever" in error.group(1)


def test_reset_and_delete_a_tag_limit(pools: Fresh) -> None:
    pools.store.create_concurrency_limit("db", 1)
    pools.store.acquire_concurrency_slots_with_lease(
        ["tag:db"], holder=a_holder(), lease_duration=300
    )
    assert pools.store.read_concurrency_limit_by_tag("db").active_slots
    pools.post("/concurrency/tags/reset", {"tag": "db"})
    assert pools.store.read_concurrency_limit_by_tag("db").active_slots == []
    pools.post("/concurrency/tags/delete", {"tag": "db"})
    assert "db" not in [x.tag for x in pools.store.read_concurrency_limits()]


def a_holder():  # type: ignore[no-untyped-def]
    """A task run holding a slot, as the engine names one."""
    from riverrun._internal.ids import new_id
    from riverrun.schemas.objects import ConcurrencyLeaseHolder

    return ConcurrencyLeaseHolder(type="task_run", id=new_id())


def test_the_dashboard_points_to_the_new_pages(client: TestClient) -> None:
    html = _get(client, "/")
    assert '<a href="/work-pools">Work pools</a>' in html and "not part of this server" not in html


def test_the_dashboard_shows_each_pools_health_workers_and_runs_waiting(
    client: TestClient, beating: None
) -> None:
    html = _get(client, "/")
    pools = html[html.index('id="dashboard-pools"') :]
    assert _text(_row(pools, ">laptop<")).startswith("laptop Ready 1 1")
    assert _text(_row(pools, ">gpu<")).startswith("gpu Paused 0 0")
    assert 'href="/work-pools/laptop#waiting"' in pools


# -- creating and editing pools and queues --------------------------------------------------------


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" role="alert">([^<]+)<', html)
    assert found, f"no error at {field}"
    import html as h

    return h.unescape(found.group(1))


def test_create_a_work_pool_from_the_list(pools: Fresh) -> None:
    form = {"name": "cluster", "type": "process", "description": "The big box.",
            "concurrency_limit": "3"}  # fmt: skip
    response = pools.post("/work-pools", form)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/work-pools/cluster?notice=")
    made = pools.store.read_work_pool("cluster")
    assert (made.type, made.description, made.concurrency_limit) == ("process", "The big box.", 3)
    assert made.base_job_template["job_configuration"]["command"] == "{{ command }}"
    assert [q.name for q in pools.store.read_work_queues(work_pool_name="cluster")] == ["default"]


def test_a_new_pool_named_like_an_existing_one_is_refused_at_its_field(pools: Fresh) -> None:
    response = pools.post("/work-pools", {"name": "laptop"})
    assert response.status_code == 422
    assert _field_error(response.text, "p-name").startswith("Work pool 'laptop' already exists")
    assert pools.store.read_work_pool("laptop").description == "Runs on the team laptop."


def test_a_new_pool_with_a_limit_of_zero_is_refused_with_the_reason(pools: Fresh) -> None:
    response = pools.post("/work-pools", {"name": "cluster", "concurrency_limit": "0"})
    assert response.status_code == 422
    assert "must be at least 1" in _field_error(response.text, "p-concurrency_limit")
    assert 'name="name" value="cluster"' in response.text
    assert "cluster" not in [p.name for p in pools.store.read_work_pools()]


def test_a_new_pool_with_a_template_that_is_not_json_is_refused_at_its_field(
    pools: Fresh,
) -> None:
    response = pools.post("/work-pools", {"name": "cluster", "base_job_template": "{oops"})
    assert response.status_code == 422
    assert _field_error(response.text, "p-base_job_template").startswith("Not valid JSON")


def test_edit_a_pools_description_limit_and_template(pools: Fresh) -> None:
    template = '{"job_configuration": {"command": "run"}, "variables": {"type": "object"}}'
    form = {"description": "Moved.", "concurrency_limit": "", "base_job_template": template}
    response = pools.post("/work-pools/laptop/edit", form)
    assert response.status_code == 303
    pool = pools.store.read_work_pool("laptop")
    assert (pool.description, pool.concurrency_limit) == ("Moved.", None)
    assert pool.base_job_template["job_configuration"] == {"command": "run"}


def test_the_pool_edit_form_shows_the_stored_values(client: TestClient) -> None:
    html = _get(client, "/work-pools/laptop")
    assert 'id="e-concurrency_limit" name="concurrency_limit" value="4"' in html
    assert "&#34;job_configuration&#34;" in html or "&quot;job_configuration&quot;" in html


def test_a_pool_limit_that_is_not_a_number_is_refused_at_its_field(pools: Fresh) -> None:
    response = pools.post("/work-pools/laptop/edit", {"concurrency_limit": "many"})
    assert response.status_code == 422
    assert "is not a whole number" in _field_error(response.text, "e-concurrency_limit")
    assert pools.store.read_work_pool("laptop").concurrency_limit == 4


def test_delete_a_pool_from_its_page(pools: Fresh) -> None:
    response = pools.post("/work-pools/gpu/delete", {})
    assert response.status_code == 303 and response.headers["location"].startswith("/work-pools?")
    assert "gpu" not in [p.name for p in pools.store.read_work_pools()]


def test_add_a_queue_to_a_pool(pools: Fresh) -> None:
    form = {"name": "bulk", "priority": "5", "concurrency_limit": "1", "description": "Slow."}
    response = pools.post("/work-pools/laptop/queues", form)
    assert response.status_code == 303
    queue = pools.store.read_work_queue_by_name("bulk", work_pool_name="laptop")
    assert (queue.priority, queue.concurrency_limit, queue.description) == (5, 1, "Slow.")


def test_a_queue_name_the_pool_has_is_refused_at_its_field(pools: Fresh) -> None:
    response = pools.post("/work-pools/laptop/queues", {"name": "urgent"})
    assert response.status_code == 422
    assert "already has a queue named 'urgent'" in _field_error(response.text, "q-name")
    assert '<details id="new-queue" open>' in response.text


def test_a_queue_priority_below_one_is_refused_at_its_field(pools: Fresh) -> None:
    response = pools.post("/work-pools/laptop/queues", {"name": "bulk", "priority": "0"})
    assert response.status_code == 422
    assert _field_error(response.text, "q-priority").startswith("A queue's priority is 1 or more")


def test_edit_a_queue_renames_it_and_changes_its_priority_and_limit(pools: Fresh) -> None:
    queue = pools.store.read_work_queue_by_name("urgent", work_pool_name="laptop")
    assert 'value="urgent"' in _get(pools.client, f"/work-queues/{queue.id}")
    form = {"name": "asap", "priority": "1", "concurrency_limit": "", "description": ""}
    response = pools.post(f"/work-queues/{queue.id}", form)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/work-pools/laptop?")
    changed = pools.store.read_work_queue(queue.id)
    assert (changed.name, changed.priority, changed.concurrency_limit) == ("asap", 1, None)


def test_renaming_a_queue_to_a_name_the_pool_has_is_refused_at_its_field(pools: Fresh) -> None:
    queue = pools.store.read_work_queue_by_name("urgent", work_pool_name="laptop")
    response = pools.post(f"/work-queues/{queue.id}", {"name": "default", "priority": "2"})
    assert response.status_code == 422
    assert "already has a queue named 'default'" in _field_error(response.text, "wq-name")
    assert pools.store.read_work_queue(queue.id).name == "urgent"


def test_the_default_queue_keeps_its_name_and_has_no_delete(pools: Fresh) -> None:
    default = pools.store.read_work_queue_by_name("default", work_pool_name="laptop")
    html = _get(pools.client, f"/work-queues/{default.id}")
    assert 'name="name" value="default" disabled' in html and "Delete queue" not in html
    pools.post(f"/work-queues/{default.id}", {"name": "other", "priority": "3"})
    assert pools.store.read_work_queue(default.id).name == "default"
    response = pools.post(f"/work-queues/{default.id}/delete", {})
    assert response.status_code == 409 and "cannot be deleted" in response.text


def test_delete_a_queue(pools: Fresh) -> None:
    queue = pools.store.read_work_queue_by_name("urgent", work_pool_name="laptop")
    response = pools.post(f"/work-queues/{queue.id}/delete", {})
    assert response.status_code == 303
    assert [q.name for q in pools.store.read_work_queues(work_pool_name="laptop")] == ["default"]
