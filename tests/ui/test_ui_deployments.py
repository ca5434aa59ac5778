"""Deployment pages: the list, a deployment (schedules, runs, Backfill) and its Run form, drawn
from the guide's ``sf_export`` parameter schema; runs are made through the store's operation."""

from __future__ import annotations

import re
from typing import Any

from ui_seed import Fresh, Seed, TestClient

from riverrun._store.service import open_store
from riverrun.server.ui.deployments import field_errors


def _get(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return response.text


def _run_id(response: Any) -> str:
    assert response.status_code == 303, response.text[:800]
    location = response.headers["location"]
    assert location.startswith("/flow-runs/"), location
    return str(location.rsplit("/", 1)[1])


def test_deployments_list_shows_each_with_its_flow_schedule_and_run_link(
    client: TestClient, seeded: Seed
) -> None:
    html = _get(client, "/deployments")
    assert f'href="/deployments/{seeded.sf_export}"' in html
    assert "riverrun.emr.salesforce.sf_export" in html and "cron 0 2 * * *" in html
    assert f'href="/deployments/{seeded.sf_export}/run"' in html


def test_deployments_list_searches_names_on_the_server(client: TestClient) -> None:
    assert "No deployments match." in _get(client, "/deployments?q=no-such-name")
    assert "nightly" in _get(client, "/deployments?q=night")


def test_deployment_page_shows_schedules_parameters_and_runs(
    client: TestClient, seeded: Seed
) -> None:
    html = _get(client, f"/deployments/{seeded.sf_export}")
    assert "cron 0 2 * * *" in html and 'id="schedules"' in html
    assert "&#34;env&#34;: &#34;pre&#34;" in html  # the deployment's parameters
    assert "Upcoming runs" in html and "Recent runs" in html and 'id="backfill"' in html


def test_flow_page_links_its_deployments(client: TestClient, seeded: Seed) -> None:
    flow_id = open_store(seeded.url).read_deployment(seeded.sf_export).flow_id
    html = _get(client, f"/flows/{flow_id}")
    assert (
        f'href="/deployments/{seeded.sf_export}"' in html
        and f'href="/deployments/{seeded.sf_export}/run"' in html
    )


def test_run_form_draws_each_parameter_with_its_control_and_defaults(
    client: TestClient, seeded: Seed
) -> None:
    html = _get(client, f"/deployments/{seeded.sf_export}/run")
    env = re.search(r'<select id="f-p-env" name="p.env" required>(.*?)</select>', html)
    assert env is not None
    assert re.findall(r'<option value="(\w+)"', env.group(1)) == ["pre", "snd", "pro"]
    assert '<option value="pre" selected>' in env.group(1)  # the deployment's value
    # The guide's `min_date: datetime = None`: a datetime picker with its timezone, not a type switch.
    assert '<input type="datetime-local" step="1" id="f-p-min-date" name="p.min_date">' in html
    assert 'name="p.min_date.tz" id="f-p-min-date-tz" aria-label="timezone" value="UTC"' in html
    assert (
        '<input type="number" id="f-p-timeout-mins" name="p.timeout_mins" step="1" value="150">'
        in html
    )
    assert '<input type="text" id="f-p-version" name="p.version" value="latest">' in html
    assert 'class="variant"' not in html


def test_run_form_creates_the_run_and_goes_to_it(fresh: Fresh) -> None:
    response = fresh.post(f"/deployments/{fresh.deployment}/run", {
        "p.env": "snd", "p.min_date": "2025-01-31T09:30:00", "p.min_date.tz": "Europe/Paris",
        "p.timeout_mins": "150", "p.version": "latest", "run_tags": "ui, manual"})  # fmt: skip
    run = fresh.store.read_flow_run(_run_id(response))
    assert run.deployment_id == fresh.deployment and run.state_name == "Scheduled"
    assert (
        run.parameters["env"] == "snd" and run.parameters["min_date"] == "2025-01-31T09:30:00+01:00"
    )
    assert run.parameters["max_date"] is None and run.parameters["timeout_mins"] == 150
    assert {"ui", "manual"} <= set(run.tags)


def test_run_form_bad_value_comes_back_at_its_field_with_the_typed_text(fresh: Fresh) -> None:
    response = fresh.post(
        f"/deployments/{fresh.deployment}/run", {"p.env": "snd", "p.timeout_mins": "soon"}
    )
    assert response.status_code == 422
    assert (
        '<p class="field-error" id="f-p-timeout-mins-error" role="alert">&#39;soon&#39; is not a whole number.</p>'
        in response.text
    )
    assert 'value="soon"' in response.text and 'aria-invalid="true"' in response.text
    assert [r for r in fresh.store.read_flow_runs(limit=20) if "auto-scheduled" not in r.tags] == []


def test_run_form_shows_the_stores_schema_error_at_its_field(fresh: Fresh) -> None:
    # A rule the form does not check in the browser (a pattern): the store's answer, at its field.
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string", "title": "Code", "pattern": "^[A-Z]{3}$"}},
    }
    flow_id = fresh.store.create_flow_from_name("codes")
    dep = fresh.store.create_deployment(flow_id, "strict", parameter_openapi_schema=schema)
    response = fresh.post(f"/deployments/{dep}/run", {"p.code": "ab"})
    assert response.status_code == 422
    error = re.search(
        r'<p class="field-error" id="f-p-code-error" role="alert">(.*?)</p>', response.text
    )
    assert error is not None and "Expected text matching &#39;^[A-Z]{3}$&#39;" in error.group(1)
    assert _run_id(fresh.post(f"/deployments/{dep}/run", {"p.code": "ABC"}))


def test_field_errors_keys_the_stores_lines_by_form_field() -> None:
    message = ("Parameters for deployment 'x' do not match its schema:\n"
               "  - env: expected one of 'pre', 'pro', got 'dev' (str)\n"
               "  - window.rows[2]: expected an integer, got 'x' (str)\n"
               "  - colour: is not a parameter of the flow (its parameters: env)\n"
               "Fix the values ...")  # fmt: skip
    errors, general = field_errors(message)
    assert errors == {"p.env": "Expected one of 'pre', 'pro', got 'dev' (str).",
                      "p.window.rows.2": "Expected an integer, got 'x' (str)."}  # fmt: skip
    assert general == ["colour: is not a parameter of the flow (its parameters: env)"]


def test_run_again_fills_the_form_with_that_runs_parameters(fresh: Fresh) -> None:
    first = _run_id(
        fresh.post(f"/deployments/{fresh.deployment}/run", {"p.env": "pro", "p.timeout_mins": "7"})
    )
    flow_run_page = _get(fresh.client, f"/flow-runs/{first}")
    assert f'href="/deployments/{fresh.deployment}/run?again={first}"' in flow_run_page
    html = _get(fresh.client, f"/deployments/{fresh.deployment}/run?again={first}")
    assert (
        '<option value="pro" selected>' in html
        and 'name="p.timeout_mins" step="1" value="7"' in html
    )


def test_pausing_a_schedule_stops_it_and_resuming_restores_it(fresh: Fresh) -> None:
    schedule = fresh.store.read_deployment_schedules(fresh.deployment)[0]
    response = fresh.post(f"/deployments/{fresh.deployment}/schedules/{schedule.id}/pause", {})
    assert response.status_code == 303
    assert fresh.store.read_deployment_schedules(fresh.deployment)[0].active is False
    assert "Resume schedule 1" in _get(fresh.client, f"/deployments/{fresh.deployment}")
    fresh.post(f"/deployments/{fresh.deployment}/schedules/{schedule.id}/resume", {})
    assert fresh.store.read_deployment_schedules(fresh.deployment)[0].active is True


def test_pausing_the_deployment_from_its_page(fresh: Fresh) -> None:
    fresh.post(f"/deployments/{fresh.deployment}/pause", {})
    assert fresh.store.read_deployment(fresh.deployment).paused is True
    fresh.post(f"/deployments/{fresh.deployment}/resume", {})
    assert fresh.store.read_deployment(fresh.deployment).paused is False


def _backfilled(fresh: Fresh) -> list[Any]:
    return [r for r in fresh.store.read_flow_runs(limit=100) if "backfill" in r.tags]


def test_backfill_preview_lists_the_times_and_creates_nothing(fresh: Fresh) -> None:
    response = fresh.post(f"/deployments/{fresh.deployment}/backfill",
                          {"start": "2026-11-01T00:00", "end": "2026-11-04T23:00", "preview": "1"})  # fmt: skip
    assert response.status_code == 200
    assert (
        "<b>4</b> run(s) would be created" in response.text
        and "create 2026-11-01 02:00:00 UTC" in response.text
    )
    assert _backfilled(fresh) == []


def test_backfill_creates_one_run_per_schedule_time_and_never_twice(fresh: Fresh) -> None:
    form = {"start": "2026-11-01T00:00", "end": "2026-11-04T23:00"}
    response = fresh.post(f"/deployments/{fresh.deployment}/backfill", form)
    assert response.status_code == 303 and "created+4+run" in response.headers["location"]
    runs = _backfilled(fresh)
    assert sorted(r.expected_start_time.day for r in runs) == [1, 2, 3, 4]  # type: ignore[union-attr]
    assert all(r.parameters == {"env": "pre"} for r in runs)
    again = fresh.post(f"/deployments/{fresh.deployment}/backfill", form)
    assert "created+0+run" in again.headers["location"] and len(_backfilled(fresh)) == 4


def test_backfill_end_before_start_is_shown_at_its_field(fresh: Fresh) -> None:
    response = fresh.post(f"/deployments/{fresh.deployment}/backfill",
                          {"start": "2026-11-05T00:00", "end": "2026-11-01T00:00"})  # fmt: skip
    assert response.status_code == 422
    assert (
        '<span class="field-error" id="bf-end-error" role="alert">The end is before the start.</span>'
        in response.text
    )


def test_run_form_without_the_csrf_token_is_refused(fresh: Fresh) -> None:
    response = fresh.client.post(f"/deployments/{fresh.deployment}/run", data={"p.env": "snd"})
    assert response.status_code == 403 and "form has expired" in response.text


def test_unknown_deployment_is_a_404_page(client: TestClient) -> None:
    response = client.get("/deployments/01a23500-0000-7000-8000-000000000000")
    assert response.status_code == 404 and "<html" in response.text
