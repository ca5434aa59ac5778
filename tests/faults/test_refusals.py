"""Every answer a server can refuse a batch with ends with its events delivered or kept.

A real HTTP server on loopback answers each refusal code; the flow runs in this process, and
every event it emits is counted against what the server stored, what waits in the spool and
what was set aside with the server's answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow, get_run_logger, task
from riverrun._recording import flush_pending
from riverrun._recording import recorder as recorder_module
from riverrun._recording.remote import flush_spool
from riverrun.settings import get_current_settings

from ._harness import ScriptedServer, spooled_events, wait_until

Events = list[dict[str, Any]]
OK: tuple[int, dict[str, str], Any] = (200, {}, {"ingested": 0})


@task
def step(i: int) -> int:
    get_run_logger().info("poison" if i == 3 else f"line {i}")
    return i


@flow(name="refused-job")
def job(n: int = 8) -> int:
    for i in range(n):
        step(i)
    return n


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Events]:
    """Every event the engine hands to the recorder during the test."""
    events: Events = []
    original = recorder_module.Recorder.record

    def record(self: recorder_module.Recorder, event: dict[str, Any]) -> None:
        events.append(event)
        original(self, event)

    monkeypatch.setattr(recorder_module.Recorder, "record", record)
    yield events
    active = recorder_module._active
    if active is not None:
        active.close(timeout=5)


def _use(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
    monkeypatch.setenv("RIVERRUN_API_KEY", "rr_test")


def _ids(events: Events) -> set[str]:
    return {e["id"] for e in events}


def _has_poison(body: dict[str, Any]) -> bool:
    return any(e.get("message") == "poison" for e in body.get("events", []))


@pytest.mark.parametrize(("status", "fix"), [(401, "RIVERRUN_API_KEY"), (403, "RIVERRUN_API_KEY"),
                                             (404, "RIVERRUN_API_URL")])  # fmt: skip
def test_a_refused_key_or_url_keeps_every_event_until_the_settings_are_fixed(
    status: int,
    fix: str,
    riverrun_home: Path,
    emitted: Events,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refusing = True
    server = ScriptedServer(lambda _body: (status, {}, {"detail": "no"}) if refusing else OK)
    with server.running():
        _use(server, monkeypatch)
        assert job() == 8
        flush_pending()
        err = capsys.readouterr().err
        assert err.count("WARNING") == 1 and fix in err
        # The process stopped sending after the first refusal instead of hammering.
        assert len(server.requests) == 1
        assert server.stored == {}
        assert _ids(spooled_events(riverrun_home / "spool")) == _ids(emitted)
        assert not (riverrun_home / "spool" / "rejected").exists()
        refusing = False
        assert flush_spool(get_current_settings())[1] == 0
        assert set(server.stored) == _ids(emitted)


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_are_retried_no_sooner_than_retry_after(
    status: int, riverrun_home: Path, emitted: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = [(status, {"Retry-After": "1"}, {"detail": "slow down"})]
    server = ScriptedServer(lambda _body: answers.pop() if answers else OK)
    with server.running():
        _use(server, monkeypatch)
        assert job() == 8
        flush_pending()
        wait_until(lambda: set(server.stored) == _ids(emitted), "every event to be delivered")
    (refused_at, _, first), (retried_at, _, _) = server.requests[:2]
    assert first == status
    assert retried_at - refused_at >= 1.0
    assert spooled_events(riverrun_home / "spool") == []


def test_batches_over_the_body_limit_are_split_until_they_fit(
    riverrun_home: Path, emitted: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 4000
    sizes: list[int] = []

    def answer(body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        import json

        size = len(json.dumps(body))
        sizes.append(size)
        return (413, {}, {"detail": "too large", "limit": limit}) if size > limit else OK

    server = ScriptedServer(answer)
    with server.running():
        _use(server, monkeypatch)
        assert job(30) == 30
        flush_pending()
    assert set(server.stored) == _ids(emitted)
    assert not (riverrun_home / "spool" / "rejected").exists()
    assert any(size > limit for size in sizes)


def test_events_a_server_refuses_with_422_are_set_aside_with_its_answer_and_the_rest_delivered(
    riverrun_home: Path, emitted: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ScriptedServer(
        lambda body: (422, {}, {"detail": "poisoned"}) if _has_poison(body) else OK
    )
    with server.running():
        _use(server, monkeypatch)
        assert job() == 8
        flush_pending()
    [rejected_file] = (riverrun_home / "spool" / "rejected").glob("*.json")
    rejected = spooled_events(riverrun_home / "spool" / "rejected")
    assert [e["message"] for e in rejected] == ["poison"]
    assert "poisoned" in rejected_file.read_text()
    assert set(server.stored) | _ids(rejected) == _ids(emitted)
    assert not set(server.stored) & _ids(rejected)


def test_an_event_the_server_keeps_failing_on_with_500_is_set_aside_after_three_tries(
    riverrun_home: Path, emitted: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ScriptedServer(lambda body: (500, {}, {"detail": "bug"}) if _has_poison(body) else OK)
    with server.running():
        _use(server, monkeypatch)
        assert job() == 8
        flush_pending()
        rejected_dir = riverrun_home / "spool" / "rejected"
        wait_until(lambda: set(server.stored) | _ids(spooled_events(rejected_dir)) == _ids(emitted),
                   "the poisoned event to be isolated and the rest delivered")  # fmt: skip
    assert [e["message"] for e in spooled_events(rejected_dir)] == ["poison"]
    assert spooled_events(riverrun_home / "spool") == []


def test_a_server_failing_with_500_on_everything_keeps_every_event_in_the_spool(
    riverrun_home: Path, emitted: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ScriptedServer(lambda _body: (500, {}, {"detail": "database unreachable"}))
    with server.running():
        _use(server, monkeypatch)
        assert job() == 8
        flush_pending()
        # Past three failures in a row the deliverer splits the batch looking for a culprit,
        # and finds none: the server took nothing.
        wait_until(lambda: len(server.requests) >= 6, "the deliverer to retry and split")
        assert _ids(spooled_events(riverrun_home / "spool")) == _ids(emitted)
    assert not (riverrun_home / "spool" / "rejected").exists()
    assert server.stored == {}
