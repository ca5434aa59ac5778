"""Artifacts as the UI shows them: markdown rendered (raw HTML disabled), tables as tables,
links as links, progress as a bar."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from markupsafe import Markup, escape

from riverrun.schemas.objects import Artifact


@dataclass(frozen=True)
class ArtifactView:
    """An artifact with its body rendered to safe HTML."""

    artifact: Artifact
    kind: str
    html: Markup


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    # "js-default": CommonMark with tables, raw HTML off, unsafe link schemes refused.
    return MarkdownIt("js-default").enable("table")


def markdown(text: str) -> Markup:
    """Markdown as HTML; raw HTML in the text is shown as text, never run."""
    return Markup(_markdown().render(text))


def _table(data: Any) -> Markup:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return Markup(f"<pre>{escape(data)}</pre>")
    rows: list[dict[str, Any]]
    if isinstance(data, dict):  # columns → values
        columns = list(data)
        length = max((len(v) for v in data.values() if isinstance(v, list)), default=0)
        rows = [
            {c: (data[c][i] if i < len(data[c]) else "") for c in columns} for i in range(length)
        ]
    elif isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        columns = list(dict.fromkeys(k for r in data for k in r))
        rows = data
    elif isinstance(data, list):
        columns = [
            str(i) for i in range(max((len(r) for r in data if isinstance(r, list)), default=0))
        ]
        rows = [dict(zip(columns, r, strict=False)) for r in data if isinstance(r, list)]
    else:
        return Markup(f"<pre>{escape(json.dumps(data, default=str))}</pre>")
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
                   for r in rows[:500])  # fmt: skip
    return Markup(
        f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _cell(value: Any) -> str:
    return (
        "" if value is None else value if isinstance(value, str) else json.dumps(value, default=str)
    )


def view(artifact: Artifact) -> ArtifactView:
    """How to show an artifact, from its type (markdown, table, link, progress, other)."""
    kind = (artifact.type or "").lower()
    data = artifact.data
    if kind in ("markdown", "link"):
        return ArtifactView(artifact, kind, markdown(str(data or "")))
    if kind == "table":
        return ArtifactView(artifact, kind, _table(data))
    if kind == "progress":
        try:
            value = max(0.0, min(100.0, float(data)))
        except (TypeError, ValueError):
            value = 0.0
        bar = f'<progress max="100" value="{value:.1f}"></progress> <span>{value:.0f}%</span>'
        return ArtifactView(artifact, kind, Markup(bar))
    return ArtifactView(
        artifact,
        kind or "result",
        Markup(f"<pre>{escape(json.dumps(data, indent=2, default=str))}</pre>"),
    )
