"""Queries and renderings of flow runs for the CLI: filtered lists, run trees, logs."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from riverrun._cli._common import dump, format_duration, run_duration, state_text

# SQLite allows a bounded number of variables per statement; long ID lists go in chunks.
_CHUNK = 500
_PAGE = 200
# A flow run with more task runs than this shows the first ones and a count of the rest.
_MAX_TASKS_SHOWN = 100


def query_flow_runs(
    client: Any,
    *,
    flow: str | None = None,
    flow_names: list[str] | None = None,
    name: str | None = None,
    tags: list[str],
    state: Any,
    since: datetime | None,
    limit: int,
    top_level: bool = False,
) -> list[Any]:
    """Flow runs matching the options, newest first, at most ``limit``.

    ``flow`` is contained in the flow's name, ``flow_names`` are whole flow names (Prefect's
    ``--flow-name``) and ``name`` is contained in the run's own name (``spry-koala``), as
    ``FlowRunFilterName`` matches it. ``top_level`` leaves out subflow runs.
    """
    from riverrun.schemas.sorting import FlowRunSort

    sort = FlowRunSort.START_TIME_DESC
    if not (flow or flow_names or name or tags or state or since or top_level):
        # No filter at all: the filter models (~0.07 s to define) are not even imported.
        return list(client.read_flow_runs(sort=sort, limit=limit))
    from riverrun.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterName,
        FlowRunFilterParentTaskRunId,
        FlowRunFilterStartTime,
        FlowRunFilterTags,
    )

    flow_filter = None
    if flow or flow_names:
        flow_filter = FlowFilter(name=FlowFilterName(like_=flow or None, any_=flow_names or None))
    run_filter = FlowRunFilter(
        name=FlowRunFilterName(like_=name) if name else None,
        tags=FlowRunFilterTags(all_=tags) if tags else None,
        state=state,
        start_time=FlowRunFilterStartTime(after_=since) if since else None,
        parent_task_run_id=FlowRunFilterParentTaskRunId(is_null_=True) if top_level else None,
    )
    return list(client.read_flow_runs(flow_filter=flow_filter, flow_run_filter=run_filter,
                                      sort=sort, limit=limit))  # fmt: skip


def fill_flow_names(client: Any, runs: list[Any]) -> None:
    """Set ``flow_name`` on runs that lack it, with one query for all their flows."""
    missing = {run.flow_id for run in runs if not run.flow_name}
    if not missing:
        return
    from riverrun.schemas.filters import FlowFilter, FlowFilterId

    names: dict[str, str] = {}
    ids = sorted(missing)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        flows = client.read_flows(
            flow_filter=FlowFilter(id=FlowFilterId(any_=chunk)), limit=len(chunk)
        )
        names.update({f.id: f.name for f in flows})
    for run in runs:
        if not run.flow_name:
            run.flow_name = names.get(run.flow_id)


# -- trees --------------------------------------------------------------------------------


@dataclass
class Node:
    """A flow run or task run in a run tree."""

    kind: str  # "flow_run" | "task_run"
    run: Any
    children: list[Node] = field(default_factory=list)
    hidden: int = 0  # task runs left out for length

    @property
    def name(self) -> str:
        if self.kind == "flow_run":
            return str(self.run.flow_name or self.run.name)
        return str(self.run.name)

    def to_json(self) -> dict[str, Any]:
        state_name, _ = state_text(self.run)
        data = {
            "type": self.kind,
            "id": self.run.id,
            "name": self.run.name,
            "state": state_name,
            "start_time": _iso(self.run.start_time),
            "end_time": _iso(self.run.end_time),
            "duration_seconds": run_duration(self.run),
            "children": [child.to_json() for child in self.children],
        }
        if self.kind == "flow_run":
            data["flow_name"] = self.run.flow_name
        return data


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _read_all(read: Any, **kwargs: Any) -> list[Any]:
    """Every page of a query, in order."""
    items: list[Any] = []
    offset = 0
    while True:
        page = list(read(limit=_PAGE, offset=offset, **kwargs))
        items.extend(page)
        if len(page) < _PAGE:
            return items
        offset += _PAGE


def build_forest(client: Any, runs: list[Any]) -> list[Node]:
    """Trees of the given flow runs with their task runs and subflow runs, level by level.

    A run that is itself a descendant of another listed run appears only inside that run's
    tree. Each level costs one query for task runs and one for subflow runs, whatever the
    number of runs, so a deep tree of thousands of runs still answers quickly.
    """
    from riverrun.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentTaskRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )
    from riverrun.schemas.sorting import FlowRunSort, TaskRunSort

    flow_runs: dict[str, Any] = {run.id: run for run in runs}
    task_runs_of: dict[str, list[Any]] = {}
    subflows_of: dict[str, list[Any]] = {}  # parent task run id -> subflow runs
    frontier = [run.id for run in runs]
    while frontier:
        task_runs: list[Any] = []
        for chunk in _chunks(frontier):
            task_runs += _read_all(
                client.read_task_runs,
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=chunk)),
                sort=TaskRunSort.EXPECTED_START_TIME_ASC,
            )
        for task_run in task_runs:
            task_runs_of.setdefault(task_run.flow_run_id, []).append(task_run)
        subflows: list[Any] = []
        for chunk in _chunks([t.id for t in task_runs]):
            subflows += _read_all(
                client.read_flow_runs,
                flow_run_filter=FlowRunFilter(
                    parent_task_run_id=FlowRunFilterParentTaskRunId(any_=chunk)
                ),
                sort=FlowRunSort.START_TIME_DESC,
            )
        frontier = []
        for subflow in subflows:
            subflows_of.setdefault(subflow.parent_task_run_id, []).append(subflow)
            if subflow.id not in flow_runs:
                frontier.append(subflow.id)
            flow_runs[subflow.id] = subflow
    fill_flow_names(client, list(flow_runs.values()))

    nested: set[str] = set()

    def flow_node(run: Any) -> Node:
        node = Node("flow_run", run)
        tasks = sorted(task_runs_of.get(run.id, []), key=_started)
        ids = {t.id for t in tasks}
        # Prefect 3 lets a task call tasks; those name their caller in task_inputs.
        children_of: dict[str | None, list[Any]] = {}
        for task in tasks:
            parent = next(
                (
                    ref.id
                    for ref in task.task_inputs.get("__parents__", [])
                    if getattr(ref, "id", None) in ids
                ),
                None,
            )
            children_of.setdefault(parent, []).append(task)

        def task_nodes(parent: str | None) -> list[Node]:
            result = []
            for task in children_of.get(parent, []):
                subs = sorted(subflows_of.get(task.id, []), key=_started)
                if len(subs) == 1 and _is_subflow_stand_in(task, subs[0]):
                    # The task run only stands for the subflow call: show the subflow.
                    nested.add(subs[0].id)
                    result.append(flow_node(subs[0]))
                    continue
                task_node = Node("task_run", task, task_nodes(task.id))
                for sub in subs:
                    nested.add(sub.id)
                    task_node.children.append(flow_node(sub))
                result.append(task_node)
            return result

        node.children = task_nodes(None)
        if len(node.children) > _MAX_TASKS_SHOWN:
            node.hidden = len(node.children) - _MAX_TASKS_SHOWN
            node.children = node.children[:_MAX_TASKS_SHOWN]
        return node

    forest = [flow_node(run) for run in runs]
    return [tree for tree in forest if tree.run.id not in nested]


def _started(run: Any) -> datetime:
    moment = run.start_time or run.expected_start_time or run.created
    return moment or datetime.max.replace(tzinfo=timezone.utc)


def _is_subflow_stand_in(task_run: Any, subflow: Any) -> bool:
    # The engine records a subflow call as a task run named after the subflow's flow
    # (``vtasks.backup-0``), as Prefect does.
    base = task_run.name.rsplit("-", 1)[0]
    return base in {subflow.flow_name, subflow.name} or task_run.name == subflow.flow_name


def _label(node: Node, root: bool) -> Any:
    from rich.text import Text

    state_name, style = state_text(node.run)
    duration = format_duration(run_duration(node.run))
    label = Text(node.name, style="bold" if node.kind == "flow_run" else "")
    label.append("  (")
    if root:
        label.append(f"{node.run.name}, ")
    label.append(state_name, style=style)
    if duration:
        label.append(f", {duration}")
    label.append(")")
    return label


def print_forest(forest: list[Node]) -> None:
    """Print each run tree with box-drawing guides."""
    from rich.tree import Tree

    from riverrun._cli._common import console

    out = console()
    if not forest:
        out.print("No flow runs match.", style="bright_black")
        return

    def add(tree: Tree, node: Node) -> None:
        for child in node.children:
            add(tree.add(_label(child, root=False)), child)
        if node.hidden:
            tree.add(f"… {node.hidden} more task runs", style="bright_black")

    for node in forest:
        tree = Tree(_label(node, root=True), guide_style="bright_black")
        add(tree, node)
        out.print(tree)


# -- states -------------------------------------------------------------------------------


def state_to_json(state: Any) -> dict[str, Any] | None:
    """A state as plain data (its result is left out: it may be large or not JSON)."""
    if state is None:
        return None
    if hasattr(state, "model_dump"):
        data = dump(state)
        return {k: data.get(k) for k in ("id", "type", "name", "timestamp", "message")}
    timestamp = getattr(state, "timestamp", None)
    return {
        "id": getattr(state, "id", None),
        "type": str(state.type),
        "name": state.name,
        "timestamp": timestamp.isoformat() if timestamp else None,
        "message": state.message,
    }


# -- logs ---------------------------------------------------------------------------------

_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


class LogPrinter:
    """Prints log lines as text for people or as JSON lines for scripts."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def __call__(self, log: Any) -> None:
        if self.as_json:
            line = json.dumps(dump(log), default=str)
        else:
            level = _LEVELS.get(log.level, str(log.level))
            moment = log.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
            line = f"{moment} | {level:<8} | {log.name} - {log.message}"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


DEFAULT_NUM_LOGS = 20


def select_logs(
    lines: list[Any], *, head: bool, tail: bool, num_logs: int | None, reverse: bool
) -> list[Any]:
    """The logs to show of ``lines`` (oldest first), as Prefect's ``logs`` commands choose
    them: ``--head`` or ``-n`` alone the first N (of the newest-first order with
    ``--reverse``), ``--tail`` the N most recent (oldest first unless ``--reverse``)."""
    count = (num_logs or DEFAULT_NUM_LOGS) if head or tail or num_logs else None
    if tail and count:
        picked = lines[-count:]
        return picked[::-1] if reverse else picked
    ordered = lines[::-1] if reverse else lines
    return ordered[:count] if count else ordered


def flow_run_log_filter(flow_run_id: Any) -> Any:
    """The log filter for one flow run's logs."""
    from riverrun.schemas.filters import LogFilter, LogFilterFlowRunId

    return LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))


def print_selected_logs(
    client: Any, log_filter: Any, output: str | None, as_json: bool, **choice: Any
) -> None:
    """Print the logs ``select_logs`` chooses: ``-o json`` as one JSON array (Prefect's
    form), ``--json`` as one JSON object a line, else as text."""
    from riverrun._cli._common import print_json
    from riverrun.schemas.sorting import LogSort

    lines = _read_all(client.read_logs, log_filter=log_filter, sort=LogSort.TIMESTAMP_ASC)
    lines = select_logs(lines, **choice)
    if output is not None:
        print_json([dump(line) for line in lines])
        return
    printer = LogPrinter(as_json=as_json)
    for line in lines:
        printer(line)


class LogTail:
    """Prints a flow run's logs, oldest first, each once, however often it is polled.

    Later polls ask only for recent logs, with an overlap: a log line written by another
    thread may reach the store after a line stamped later, and must not be skipped.
    """

    _OVERLAP = timedelta(seconds=10)

    def __init__(self, client: Any, flow_run_id: str, printer: LogPrinter) -> None:
        self.client = client
        self.flow_run_id = flow_run_id
        self.printer = printer
        self.seen: set[str] = set()
        self.latest: datetime | None = None

    def poll(self) -> int:
        """Print the logs not printed yet; return how many."""
        from riverrun.schemas.filters import (
            LogFilter,
            LogFilterFlowRunId,
            LogFilterTimestamp,
        )
        from riverrun.schemas.sorting import LogSort

        log_filter = LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[self.flow_run_id]),
            timestamp=LogFilterTimestamp(after_=self.latest - self._OVERLAP)
            if self.latest
            else None,
        )
        logs = _read_all(self.client.read_logs, log_filter=log_filter, sort=LogSort.TIMESTAMP_ASC)
        printed = 0
        for log in logs:
            if log.id in self.seen:
                continue
            self.seen.add(log.id)
            self.printer(log)
            printed += 1
            if self.latest is None or log.timestamp > self.latest:
                self.latest = log.timestamp
        return printed
