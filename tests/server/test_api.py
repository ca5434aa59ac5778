"""The API over HTTP: health, version, OpenAPI, ingest, and a 4xx for every kind of bad input."""

from __future__ import annotations

import uuid

import httpx

from riverrun._store.testing import flow_run_event, log_event, state_event, task_run_lifecycle


def test_health_answers_true(api: httpx.Client) -> None:
    assert api.get("health").json() is True


def test_version_names_riverrun_and_the_database(api: httpx.Client) -> None:
    body = api.get("version").json()
    assert body["database"] == "sqlite" and body["riverrun"]


def test_openapi_and_docs_are_served_under_api(api: httpx.Client) -> None:
    spec = api.get("openapi.json").json()
    assert "/api/flow_runs/filter" in spec["paths"] and "/api/events" in spec["paths"]
    assert api.get("docs").status_code == 200


def test_events_batch_is_ingested_and_answers_the_count(api: httpx.Client) -> None:
    run = flow_run_event(flow_name="ingest-count")
    events = [run, *task_run_lifecycle(run["id"], run["created"]), log_event(run["id"], "hi")]
    assert api.post("events", json={"events": events}).json() == {"ingested": 5}
    assert api.get(f"flow_runs/{run['id']}").json()["flow_name"] == "ingest-count"


def test_events_ingested_twice_change_nothing(api: httpx.Client) -> None:
    run = flow_run_event(flow_name="twice")
    done = state_event(run["id"], "COMPLETED", timestamp=run["created"] + 100)
    for _ in range(2):
        assert api.post("events", json={"events": [run, done]}).status_code == 200
    states = api.get(f"flow_runs/{run['id']}/states").json()
    assert [s["type"] for s in states] == ["PENDING", "COMPLETED"]
    body = {"flow_run_filter": {"id": {"any_": [run["id"]]}}}
    assert api.post("flow_runs/count", json=body).json() == 1


def test_filter_takes_prefect_style_body(api: httpx.Client) -> None:
    run = flow_run_event(flow_name="styled", tags=["env:pro"])
    api.post("events", json={"events": [run]})
    body = {"flow_filter": {"name": {"any_": ["styled"]}},
            "flow_run_filter": {"tags": {"all_": ["env:pro"]}},
            "sort": "START_TIME_DESC", "limit": 5, "offset": 0}  # fmt: skip
    assert [r["id"] for r in api.post("flow_runs/filter", json=body).json()] == [run["id"]]


def test_unknown_run_id_is_404_with_a_message(api: httpx.Client) -> None:
    response = api.get(f"flow_runs/{uuid.uuid4()}")
    assert response.status_code == 404 and "No flow run with ID" in response.json()["detail"]


def test_malformed_json_is_400(api: httpx.Client) -> None:
    response = api.post("flow_runs/filter", content=b"{not json",
                        headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 400 and "Malformed JSON" in response.json()["detail"]


def test_wrong_type_is_422_naming_the_field(api: httpx.Client) -> None:
    response = api.post("flow_runs/filter", json={"limit": "many"})
    assert response.status_code == 422 and "limit" in response.json()["detail"]


def test_unknown_filter_field_is_422_listing_valid_ones(api: httpx.Client) -> None:
    response = api.post("flow_runs/filter", json={"flow_run_filter": {"tagz": {}}})
    detail = response.json()["detail"]
    assert response.status_code == 422 and "tagz" in detail and "valid fields" in detail


def test_negative_limit_is_422(api: httpx.Client) -> None:
    assert api.post("flow_runs/filter", json={"limit": -1}).status_code == 422


def test_oversized_body_is_413_with_the_limit(api: httpx.Client) -> None:
    response = api.post("events", content=b"x" * (10 * 1024 * 1024 + 1),
                        headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 413 and "10 MiB" in response.json()["detail"]


def test_invalid_state_transition_is_409_with_the_reason(api: httpx.Client) -> None:
    run = flow_run_event(flow_name="final", state_type="COMPLETED")
    api.post("events", json={"events": [run]})
    response = api.post(f"flow_runs/{run['id']}/set_state",
                        json={"state": {"type": "PENDING"}})  # fmt: skip
    body = response.json()
    assert response.status_code == 409 and body["status"] == "REJECT"
    assert "final state" in body["detail"]


def test_malformed_event_is_422_and_nothing_of_the_batch_is_written(api: httpx.Client) -> None:
    good = flow_run_event(flow_name="half-batch")
    bad = {**flow_run_event(flow_name="bad"), "created": "yesterday"}
    response = api.post("events", json={"events": [good, bad]})
    assert response.status_code == 422 and "created" in response.json()["detail"]
    assert api.get(f"flow_runs/{good['id']}").status_code == 404


def test_boolean_timestamp_is_422(api: httpx.Client) -> None:
    run = flow_run_event(flow_name="bool-time")
    response = api.post(
        "events", json={"events": [run, log_event(run["id"], "x", timestamp=False)]}
    )
    assert response.status_code == 422 and "timestamp" in response.json()["detail"]


def test_a_run_time_longer_than_a_timedelta_still_reads(api: httpx.Client) -> None:
    run = flow_run_event(flow_name="forever")
    done = state_event(run["id"], "COMPLETED", timestamp=run["created"] + 1, total_run_time=1e300)
    assert api.post("events", json={"events": [run, done]}).status_code == 200
    assert api.get(f"flow_runs/{run['id']}").status_code == 200
    body = {"flow_filter": {"name": {"any_": ["forever"]}}}
    assert len(api.post("flow_runs/filter", json=body).json()) == 1


def test_a_log_of_the_last_microsecond_of_year_9999_reads_back(api: httpx.Client) -> None:
    run = flow_run_event(flow_name="last-microsecond")
    last = log_event(run["id"], "x", timestamp=253_402_300_799_999_999)
    assert api.post("events", json={"events": [run, last]}).status_code == 200
    body = {"log_filter": {"flow_run_id": {"any_": [run["id"]]}}}
    [log] = api.post("logs/filter", json=body).json()
    assert log["timestamp"].startswith("9999-12-31T23:59:59.999999")


def test_unknown_event_kind_is_422(api: httpx.Client) -> None:
    response = api.post("events", json={"events": [{"kind": "telepathy", "id": "x"}]})
    assert response.status_code == 422 and "telepathy" in response.json()["detail"]


def test_variables_crud_over_http(api: httpx.Client) -> None:
    assert api.post("variables/", json={"name": "v1", "value": {"a": 1}}).status_code == 201
    assert api.post("variables/", json={"name": "v1", "value": 2}).status_code == 409
    assert api.patch("variables/name/v1", json={"value": 3}).json()["value"] == 3
    assert api.delete("variables/name/v1").status_code == 204
    assert api.get("variables/name/v1").status_code == 404
