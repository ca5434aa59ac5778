"""Artifacts: markdown, tables, links, images and progress published by a run, stored with it.

As in Prefect 3: the ``create_*_artifact`` functions return the artifact's ``UUID``; the
``Artifact`` classes ``create()`` one and ``Artifact.get(key)`` reads the newest with a key,
both awaitable in async code.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import uuid
from typing import Any, Optional, Union

from riverrun._internal import clock
from riverrun._internal.ids import new_id
from riverrun.context import FlowRunContext, TaskRunContext
from riverrun.schemas import objects as o
from riverrun.utilities.asyncutils import async_dispatch

_KEY = re.compile(r"^[a-z0-9-]+$")
Table = Union[dict[str, list[Any]], list[dict[str, Any]], list[list[Any]]]


def _check_key(key: Optional[str]) -> None:
    if key is not None and not _KEY.match(key):
        raise ValueError(
            f"Artifact key {key!r} is not valid: use only lowercase letters, numbers and dashes "
            "(for example 'daily-report')."
        )


def _record(
    type_: Optional[str],
    data: Any,
    key: Optional[str],
    description: Optional[str],
    run_ids: tuple[Any, Any] = (None, None),
) -> o.Artifact:
    from riverrun._recording.recorder import recorder_for
    from riverrun.schemas.encoding import jsonable

    _check_key(key)
    flow_ctx = FlowRunContext.get()
    task_ctx = TaskRunContext.get()
    flow_run_id = flow_ctx.info.id if flow_ctx is not None else None
    task_run_id = task_ctx.info.id if task_ctx is not None else None
    if task_ctx is not None and flow_run_id is None:
        flow_run_id = task_ctx.info.flow_run_id
    # Runs the artifact names itself win over the current ones, as in Prefect.
    flow_run_id = str(run_ids[0]) if run_ids[0] else flow_run_id
    task_run_id = str(run_ids[1]) if run_ids[1] else task_run_id
    recorder = recorder_for(flow_ctx)
    artifact_id = new_id()
    created = clock.now_us()
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
            "created": created,
        }  # fmt: skip
    )
    if flow_ctx is None and task_ctx is None:
        recorder.flush()
    return o.Artifact(
        id=artifact_id, key=key, type=type_, description=description, data=data,
        flow_run_id=flow_run_id, task_run_id=task_run_id, created=clock.from_us(created),
    )  # fmt: skip


class Artifact:
    """An artifact to publish: ``Artifact(type="markdown", key="report", data=...).create()``.

    Subclasses (``MarkdownArtifact``, ``TableArtifact``, ``LinkArtifact``, ``ImageArtifact``,
    ``ProgressArtifact``) format their data as Prefect's do.
    """

    type: Optional[str] = None
    key: Optional[str]
    description: Optional[str]
    data: Any
    metadata_: Optional[dict[str, Any]]
    flow_run_id: Optional[uuid.UUID]
    task_run_id: Optional[uuid.UUID]

    def __init__(
        self,
        type: Optional[str] = None,
        key: Optional[str] = None,
        description: Optional[str] = None,
        data: Any = None,
        metadata_: Optional[dict[str, Any]] = None,
        flow_run_id: Optional[uuid.UUID] = None,
        task_run_id: Optional[uuid.UUID] = None,
    ) -> None:
        _check_key(key)
        self.type = type if type is not None else self.type
        self.key = key
        self.description = description
        self.data = data
        self.metadata_ = metadata_
        self.flow_run_id = flow_run_id
        self.task_run_id = task_run_id

    def format(self) -> Any:
        """The data as stored: JSON text for a plain ``Artifact``."""
        return json.dumps(self.data)

    async def aformat(self) -> Any:
        """``format`` for async code."""
        return self.format()

    @async_dispatch("acreate")
    def create(self, client: Any = None) -> o.Artifact:
        """Store the artifact (linked to the current flow/task run); awaitable in async code."""
        return _record(self.type, self.format(), self.key, self.description,
                       (self.flow_run_id, self.task_run_id))  # fmt: skip

    async def acreate(self, client: Any = None) -> o.Artifact:
        """Async twin of ``create``."""
        return self.create(_sync=True)  # type: ignore[call-arg, no-any-return]

    @async_dispatch("aget")
    @classmethod
    def get(cls, key: Optional[str] = None, client: Any = None) -> Optional[o.Artifact]:
        """The newest artifact with ``key``, or None; awaitable in async code."""
        from riverrun.client.orchestration import get_client
        from riverrun.schemas.filters import ArtifactFilter, ArtifactFilterKey
        from riverrun.schemas.sorting import ArtifactSort

        with get_client(sync_client=True) as c:
            found = c.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key or ""])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
        return found[0] if found else None

    @classmethod
    async def aget(cls, key: Optional[str] = None, client: Any = None) -> Optional[o.Artifact]:
        """Async twin of ``get``."""
        return await asyncio.to_thread(cls.get, key, client, _sync=True)  # type: ignore[call-arg]

    @async_dispatch("aget_or_create")
    @classmethod
    def get_or_create(
        cls, key: Optional[str] = None, description: Optional[str] = None, data: Any = None,
        client: Any = None, **kwargs: Any,
    ) -> tuple[o.Artifact, bool]:  # fmt: skip
        """The newest artifact with ``key`` and False, else a new one and True."""
        found = cls.get(key, _sync=True)  # type: ignore[call-arg]
        if found is not None:
            return found, False
        return cls(key=key, description=description, data=data, **kwargs).create(_sync=True), True  # type: ignore[call-arg]

    @classmethod
    async def aget_or_create(
        cls, key: Optional[str] = None, description: Optional[str] = None, data: Any = None,
        client: Any = None, **kwargs: Any,
    ) -> tuple[o.Artifact, bool]:  # fmt: skip
        """Async twin of ``get_or_create``."""
        return await asyncio.to_thread(
            cls.get_or_create, key, description, data, _sync=True, **kwargs
        )  # type: ignore[no-any-return]


class MarkdownArtifact(Artifact):
    type = "markdown"

    def __init__(
        self, markdown: str, key: Optional[str] = None, description: Optional[str] = None
    ) -> None:
        super().__init__(key=key, description=description, data=markdown)
        self.markdown = markdown

    def format(self) -> str:
        return self.markdown


class TableArtifact(Artifact):
    type = "table"

    def __init__(
        self, table: Table, key: Optional[str] = None, description: Optional[str] = None
    ) -> None:
        if not isinstance(table, (dict, list)):
            raise TypeError(
                f"create_table_artifact expects a dict of columns or a list of rows, got {type(table).__name__}."
            )
        super().__init__(key=key, description=description, data=table)
        self.table = table

    def format(self) -> str:
        from riverrun.schemas.encoding import jsonable

        # As Prefect: NaN cells become null so the JSON is valid; cells JSON cannot hold
        # (datetimes...) are encoded as everywhere else in riverrun.
        return json.dumps(jsonable(_without_nan(self.table)))


class LinkArtifact(Artifact):
    type = "markdown"

    def __init__(
        self, link: str, link_text: Optional[str] = None, key: Optional[str] = None,
        description: Optional[str] = None,
    ) -> None:  # fmt: skip
        super().__init__(key=key, description=description, data=link)
        self.link = link
        self.link_text = link_text

    def format(self) -> str:
        return (
            f"[{self.link_text}]({self.link})" if self.link_text else f"[{self.link}]({self.link})"
        )


class ImageArtifact(Artifact):
    type = "image"

    def __init__(
        self, image_url: str, key: Optional[str] = None, description: Optional[str] = None
    ) -> None:
        super().__init__(key=key, description=description, data=image_url)
        self.image_url = image_url

    def format(self) -> str:
        return self.image_url


class ProgressArtifact(Artifact):
    type = "progress"

    def __init__(
        self, progress: float, key: Optional[str] = None, description: Optional[str] = None
    ) -> None:
        super().__init__(key=key, description=description, data=_check_progress(progress))
        self.progress = float(progress)

    def format(self) -> float:
        return self.progress


def _check_progress(progress: float) -> float:
    if not isinstance(progress, (int, float)) or not 0 <= progress <= 100:
        raise ValueError(f"Progress must be a number from 0 to 100, got {progress!r}.")
    return float(progress)


def _without_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nan(v) for v in value]
    return value


def create_markdown_artifact(
    markdown: str, key: Optional[str] = None, description: Optional[str] = None
) -> uuid.UUID:
    """Publish a markdown artifact; returns its ID.

    Args:
        markdown: the markdown text.
        key: a stable key (lowercase letters, numbers, dashes) to track versions over runs.
        description: a short description.
    """
    return uuid.UUID(MarkdownArtifact(markdown, key, description).create(_sync=True).id)  # type: ignore[call-arg]


def create_table_artifact(
    table: Table, key: Optional[str] = None, description: Optional[str] = None
) -> uuid.UUID:
    """Publish a table artifact (a dict of columns, a list of rows as dicts, or of lists)."""
    return uuid.UUID(TableArtifact(table, key, description).create(_sync=True).id)  # type: ignore[call-arg]


def create_link_artifact(
    link: str,
    link_text: Optional[str] = None,
    key: Optional[str] = None,
    description: Optional[str] = None,
) -> uuid.UUID:
    """Publish a link artifact, shown as ``[link_text](link)``."""
    return uuid.UUID(LinkArtifact(link, link_text, key, description).create(_sync=True).id)  # type: ignore[call-arg]


def create_image_artifact(
    image_url: str, key: Optional[str] = None, description: Optional[str] = None
) -> uuid.UUID:
    """Publish an image artifact from the image's URL."""
    return uuid.UUID(ImageArtifact(image_url, key, description).create(_sync=True).id)  # type: ignore[call-arg]


def create_progress_artifact(
    progress: float, key: Optional[str] = None, description: Optional[str] = None
) -> uuid.UUID:
    """Publish a progress artifact (0 to 100); move it on with ``update_progress_artifact``."""
    return uuid.UUID(ProgressArtifact(progress, key, description).create(_sync=True).id)  # type: ignore[call-arg]


def update_progress_artifact(
    artifact_id: uuid.UUID | str, progress: float, description: Optional[str] = None
) -> uuid.UUID:
    """Set a progress artifact's progress (0 to 100); returns its ID."""
    from riverrun.client.orchestration import get_client
    from riverrun.schemas.actions import ArtifactUpdate

    with get_client(sync_client=True) as c:
        c.update_artifact(
            artifact_id=str(artifact_id),
            artifact=ArtifactUpdate(data=_check_progress(progress), description=description),
        )
    return uuid.UUID(str(artifact_id))


def _async(fn: Any) -> Any:
    async def twin(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    twin.__name__ = "a" + fn.__name__
    twin.__qualname__ = twin.__name__
    twin.__doc__ = f"Async twin of ``{fn.__name__}``."
    return twin


acreate_markdown_artifact = _async(create_markdown_artifact)
acreate_table_artifact = _async(create_table_artifact)
acreate_link_artifact = _async(create_link_artifact)
acreate_image_artifact = _async(create_image_artifact)
acreate_progress_artifact = _async(create_progress_artifact)
aupdate_progress_artifact = _async(update_progress_artifact)

__all__ = [
    "Artifact", "ImageArtifact", "LinkArtifact", "MarkdownArtifact", "ProgressArtifact",
    "TableArtifact", "acreate_image_artifact", "acreate_link_artifact", "acreate_markdown_artifact",
    "acreate_progress_artifact", "acreate_table_artifact", "aupdate_progress_artifact",
    "create_image_artifact", "create_link_artifact", "create_markdown_artifact",
    "create_progress_artifact", "create_table_artifact", "update_progress_artifact",
]  # fmt: skip
