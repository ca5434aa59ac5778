"""The flow run page's tree and timeline, laid out on the server from bounded data.

Pure functions over plain data: the run tree by dotted names (``vtasks`` → ``vtasks.backup``
→ ``vtasks.backup.copy``) and the timeline's rows, each placed as fractions of the run's
span. Task runs of one task are one row with per-state counts once a run has more than
``GROUP_ABOVE`` of them, so a 10,000-task run is a few dozen rows, never 10,000 elements;
the browser draws only the rows in view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from riverrun._store.ui_queries import TaskGroup
from riverrun.schemas.objects import FlowRun, TaskRun

#: Above this many task runs in one flow run, the timeline shows one row per task.
GROUP_ABOVE = 200
#: A subflow tree deeper than this is cut (a link leads to the deeper run's own page).
MAX_DEPTH = 6


@dataclass
class TreeNode:
    """One line of the run tree: a flow run, a task run, or a group of one task's runs."""

    kind: str  # flow_run | task_run | group
    name: str
    id: str | None
    state: str | None
    count: int = 1
    states: dict[str, int] = field(default_factory=dict)
    children: list[TreeNode] = field(default_factory=list)
    start: int | None = None
    end: int | None = None


def _us(moment: Any) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1_000_000)


def _task_base(name: str) -> str:
    # Task runs are named ``<task name>-<dynamic key>``.
    base, _, key = name.rpartition("-")
    return base if base and key.isdigit() else name


def build_tree(
    root: FlowRun,
    groups: Mapping[str, Sequence[TaskGroup]],
    subflows: Sequence[tuple[FlowRun, str, str]],
    task_runs: Mapping[str, Sequence[TaskRun]] | None = None,
) -> TreeNode:
    """The run tree of ``root``: its tasks, with subflow runs in place of the task runs that
    stand for their calls.

    Args:
        root: the flow run of the page.
        groups: task-run groups per flow run ID (``Store.task_run_groups``).
        subflows: ``(subflow run, parent flow run ID, parent task key)`` triples.
        task_runs: every task run per flow run ID, where the run is small enough to show each
            one (at most ``GROUP_ABOVE``); other flow runs show one line per task.
    """
    children_of: dict[str, list[tuple[FlowRun, str]]] = {}
    for run, parent, task_key in subflows:
        children_of.setdefault(parent, []).append((run, task_key))
    task_runs = task_runs or {}

    def flow_node(run: FlowRun, depth: int) -> TreeNode:
        node = TreeNode("flow_run", run.flow_name or run.name, run.id, _state(run),
                        start=_us(run.start_time), end=_us(run.end_time))  # fmt: skip
        calls = children_of.get(run.id, [])
        stand_ins = {key for _, key in calls}
        items: list[TreeNode] = []
        if run.id in task_runs:
            for task in task_runs[run.id]:
                if task.task_key in stand_ins:
                    continue
                state = _state(task)
                items.append(TreeNode("task_run", task.name, task.id, state, 1, {state or "UNKNOWN": 1},
                                      start=_us(task.start_time), end=_us(task.end_time)))  # fmt: skip
        else:
            for group in groups.get(run.id, []):
                if group.task_key in stand_ins:
                    continue
                state = next(iter(group.states)) if len(group.states) == 1 else None
                items.append(TreeNode("group", _task_base(group.name), group.task_key, state, group.count,
                                      dict(group.states), start=group.start, end=group.end))  # fmt: skip
        if depth < MAX_DEPTH:
            items += [flow_node(sub, depth + 1) for sub, _ in calls]
        items.sort(key=lambda n: (n.start is None, n.start or 0))
        node.children = items
        return node

    return flow_node(root, 0)


def _state(run: FlowRun | TaskRun) -> str | None:
    return run.state_type.value if run.state_type else None


@dataclass(frozen=True)
class TimelineRow:
    """One bar: where it starts and ends as fractions of the span, and what it is."""

    label: str
    depth: int
    x0: float
    x1: float
    state: str | None
    kind: str
    id: str | None
    count: int
    states: dict[str, int]


def timeline(tree: TreeNode, now_us: int) -> dict[str, Any]:
    """The timeline of a tree as JSON-able rows, depth-first, bars as fractions of the span
    from the earliest start to the latest end (``now_us`` for what still runs)."""
    flat: list[tuple[TreeNode, int]] = []

    def walk(node: TreeNode, depth: int) -> None:
        flat.append((node, depth))
        for child in node.children:
            walk(child, depth + 1)

    walk(tree, 0)
    starts = [n.start for n, _ in flat if n.start is not None]
    if not starts:
        return {"start": None, "end": None, "rows": []}
    t0 = min(starts)
    t1 = max([n.end or now_us for n, _ in flat if n.start is not None] + [t0 + 1])
    span = t1 - t0
    rows = []
    for node, depth in flat:
        if node.start is None:
            x0 = x1 = 0.0
        else:
            x0 = (node.start - t0) / span
            x1 = ((node.end or now_us) - t0) / span
        rows.append(TimelineRow(node.name, depth, round(x0, 5), round(max(x1, x0), 5), node.state,
                                node.kind, node.id, node.count, node.states).__dict__)  # fmt: skip
    return {"start": t0, "end": t1, "rows": rows}
