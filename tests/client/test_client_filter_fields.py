"""Prefect's filter and sort fields: tag ``operator``, ``LogFilter.text``, ``TaskRunFilter.end_time``,
``TaskRunSort.DURATION_*`` — embedded and against real servers (SQLite, PostgreSQL)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from riverrun import flow, get_run_logger, tags, task
from riverrun.client.orchestration import get_client
from riverrun.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterTags,
    LogFilter,
    LogFilterTextSearch,
    Operator,
    TaskRunFilter,
    TaskRunFilterEndTime,
)
from riverrun.schemas.sorting import TaskRunSort


@flow
def tagged() -> None:
    pass


@flow
def talkative() -> None:
    logger = get_run_logger()
    logger.info("connection timeout on db")
    logger.info("connection refused")
    logger.info("debug: timeout retried")


@task
def quick() -> None:
    pass


@task
def slow() -> None:
    time.sleep(0.2)  # the duration the sort compares, not a wait for a condition


@flow
def timed() -> None:
    quick()
    slow()


def _tagged_runs(**tag_filter: object) -> list[list[str]]:
    runs = get_client(sync_client=True).read_flow_runs(
        flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(**tag_filter))
    )
    return sorted(sorted(r.tags) for r in runs)


def _record_tagged() -> None:
    for labels in (["a"], ["b"], ["a", "b"], []):
        with tags(*labels):
            tagged()


def test_tag_filter_operator_or_matches_either_criterion() -> None:
    _record_tagged()
    assert _tagged_runs(all_=["a"], is_null_=True, operator="or_") == [[], ["a"], ["a", "b"]]


def test_tag_filter_operator_defaults_to_and() -> None:
    _record_tagged()
    assert _tagged_runs(all_=["a"], any_=["b"]) == [["a", "b"]]


def test_operator_enum_is_accepted() -> None:
    _record_tagged()
    assert _tagged_runs(all_=["b"], is_null_=True, operator=Operator.or_) == [[], ["a", "b"], ["b"]]


def _messages(query: str) -> list[str]:
    logs = get_client(sync_client=True).read_logs(
        log_filter=LogFilter(text=LogFilterTextSearch(query=query))
    )
    return sorted(log.message for log in logs)


def test_log_text_search_needs_every_word() -> None:
    talkative()
    assert _messages("connection TIMEOUT") == ["connection timeout on db"]


def test_log_text_search_excludes_minus_words() -> None:
    talkative()
    assert _messages("timeout -debug") == ["connection timeout on db"]


def test_log_text_search_matches_a_quoted_phrase() -> None:
    talkative()
    assert _messages('"connection refused"') == ["connection refused"]


def test_task_run_end_time_filter() -> None:
    timed()
    client = get_client(sync_client=True)
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    ended = client.read_task_runs(
        task_run_filter=TaskRunFilter(end_time=TaskRunFilterEndTime(before_=future))
    )
    assert len(ended) == 2
    later = client.read_task_runs(
        task_run_filter=TaskRunFilter(end_time=TaskRunFilterEndTime(after_=future))
    )
    assert later == []


def test_task_run_sort_by_duration() -> None:
    timed()
    client = get_client(sync_client=True)
    longest_first = client.read_task_runs(sort=TaskRunSort.DURATION_DESC)
    shortest_first = client.read_task_runs(sort=TaskRunSort.DURATION_ASC)
    assert longest_first[0].name.startswith("slow")
    assert shortest_first[0].name.startswith("quick")
