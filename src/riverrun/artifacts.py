"""Artifacts: markdown, tables and links published by a run, stored with it."""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from riverrun._internal import clock
from riverrun._internal.ids import new_id
from riverrun.context import FlowRunContext, TaskRunContext

_KEY = re.compile(r"^[a-z0-9-]+$")


def _check_key(key: Optional[str]) -> None:
    if key is not None and not _KEY.match(key):
        raise ValueError(
            f"Artifact key {key!r} is not valid: use only lowercase letters, numbers and dashes "
            "(for example 'daily-report')."
        )


def _create(type_: str, data: Any, key: Optional[str], description: Optional[str]) -> str:
    from riverrun._recording.recorder import recorder_for
    from riverrun.schemas.encoding import jsonable

    _check_key(key)
    flow_ctx = FlowRunContext.get()
    task_ctx = TaskRunContext.get()
    flow_run_id = flow_ctx.info.id if flow_ctx is not None else None
    task_run_id = task_ctx.info.id if task_ctx is not None else None
    if task_ctx is not None and flow_run_id is None:
        flow_run_id = task_ctx.info.flow_run_id
    recorder = recorder_for(flow_ctx)
    artifact_id = new_id()
    recorder.record(
        {
            "kind": "artifact",
            "id": artifact_id,
            "key": key,
            "type": type_,
            "description": description,
            "data": jsonable(data),
            "flow_run_id": flow_run_id,
            "task_run_id": task_run_id,
            "created": clock.now_us(),
        }
    )
    if flow_ctx is None and task_ctx is None:
        recorder.flush()
    return artifact_id


def create_markdown_artifact(
    markdown: str, key: Optional[str] = None, description: Optional[str] = None
) -> str:
    """Publish a markdown artifact; returns its ID.

    Args:
        markdown: the markdown text.
        key: a stable key (lowercase letters, numbers, dashes) to track versions over runs.
        description: a short description.
    """
    return _create("markdown", markdown, key, description)


def create_table_artifact(
    table: Union[dict[str, list[Any]], list[dict[str, Any]], list[list[Any]]],
    key: Optional[str] = None,
    description: Optional[str] = None,
) -> str:
    """Publish a table artifact (a dict of columns, a list of rows as dicts, or of lists)."""
    if not isinstance(table, (dict, list)):
        raise TypeError(
            f"create_table_artifact expects a dict of columns or a list of rows, got {type(table).__name__}."
        )
    return _create("table", table, key, description)


def create_link_artifact(
    link: str, link_text: Optional[str] = None, key: Optional[str] = None, description: Optional[str] = None
) -> str:
    """Publish a link artifact, shown as ``[link_text](link)``."""
    markdown = f"[{link_text}]({link})" if link_text else link
    return _create("link", markdown, key, description)


__all__ = ["create_link_artifact", "create_markdown_artifact", "create_table_artifact"]
