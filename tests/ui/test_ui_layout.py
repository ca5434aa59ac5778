"""The flow run page's tree and timeline, laid out on the server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from riverrun._store.ui_queries import TaskGroup
from riverrun.schemas.objects import FlowRun, TaskRun
from riverrun.server.ui.layout import TreeNode, build_tree, timeline

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _flow(ident: str, flow: str, start: float, end: float, parent: str | None = None) -> FlowRun:
    return FlowRun(id=ident, name=f"run-{ident}", flow_id=f"f-{flow}", flow_name=flow, start_time=_at(start),
                   end_time=_at(end), state_type="COMPLETED", parent_task_run_id=parent)  # fmt: skip


def _task(
    ident: str, flow_run: str, name: str, start: float, end: float, key: str | None = None
) -> TaskRun:
    return TaskRun(id=ident, flow_run_id=flow_run, name=name, task_key=key or name, start_time=_at(start),
                   end_time=_at(end), state_type="COMPLETED")  # fmt: skip


def _names(node: TreeNode, depth: int = 0) -> list[str]:
    out = [f"{'  ' * depth}{node.name}"]
    for child in node.children:
        out += _names(child, depth + 1)
    return out


def _vtasks() -> TreeNode:
    root = _flow("r", "vtasks", 0, 10)
    backup = _flow("b", "vtasks.backup", 1, 6, parent="t-b")
    tasks = {
        "r": [_task("t-b", "r", "vtasks.backup-0", 1, 6, key="k-backup")],
        "b": [
            _task("t1", "b", "vtasks.backup.backup_files-0", 1.5, 2),
            _task("t2", "b", "vtasks.backup.copy-0", 5, 6),
        ],
    }
    return build_tree(root, {}, [(backup, "r", "k-backup")], tasks)


def test_tree_shows_subflows_in_place_of_their_stand_in_task_runs() -> None:
    assert _names(_vtasks()) == ["vtasks", "  vtasks.backup", "    vtasks.backup.backup_files-0",
                                 "    vtasks.backup.copy-0"]  # fmt: skip


def test_timeline_places_bars_as_fractions_of_the_run() -> None:
    rows = timeline(_vtasks(), now_us=0)["rows"]
    assert [(r["label"], r["depth"], r["x0"], r["x1"]) for r in rows] == [
        ("vtasks", 0, 0.0, 1.0), ("vtasks.backup", 1, 0.1, 0.6),
        ("vtasks.backup.backup_files-0", 2, 0.15, 0.2), ("vtasks.backup.copy-0", 2, 0.5, 0.6),
    ]  # fmt: skip


def test_a_running_task_bar_reaches_now() -> None:
    root = _flow("r", "f", 0, 10)
    running = _task("t", "r", "t-0", 2, 0)
    running.end_time = None
    rows = timeline(
        build_tree(root, {}, [], {"r": [running]}), now_us=int(_at(10).timestamp() * 1e6)
    )["rows"]
    assert rows[1]["x1"] == 1.0


def test_big_runs_are_one_row_per_task_with_state_counts() -> None:
    start, end = int(_at(0).timestamp() * 1e6), int(_at(100).timestamp() * 1e6)
    groups = {"r": [TaskGroup("k1", "f.load-0", 9_000, {"COMPLETED": 8_990, "FAILED": 10}, start, end),
                    TaskGroup("k2", "f.save-0", 1_000, {"COMPLETED": 1_000}, start, end)]}  # fmt: skip
    tree = build_tree(_flow("r", "f", 0, 100), groups, [])
    rows = timeline(tree, now_us=end)["rows"]
    assert [(r["label"], r["kind"], r["count"], r["state"]) for r in rows[1:]] == [
        ("f.load", "group", 9_000, None),
        ("f.save", "group", 1_000, "COMPLETED"),
    ]


def test_a_run_that_has_not_started_has_no_bars() -> None:
    root = FlowRun(id="r", name="r", flow_id="f", flow_name="f", state_type="SCHEDULED")
    assert timeline(build_tree(root, {}, [], {"r": []}), now_us=0) == {
        "start": None,
        "end": None,
        "rows": [],
    }
