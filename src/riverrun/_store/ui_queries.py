"""Queries the web UI needs beyond the API's first operations, each bounded by construction.

Every query here has a ``LIMIT`` or a time bound (a test records the SQL of every page and
fails on one without): counts are taken over at most ``cap + 1`` rows, so a page can say
"10,000+" instead of scanning a table of millions; lists are keyset-paged on the same
``(started, id)`` index the API's START_TIME sort reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import from_us, to_us
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun._store.dialect import case_insensitive_like
from riverrun._store.run_rows import run_select
from riverrun._store.work_pools import DEFAULT_QUEUE
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.states import State

#: Counts stop here; the UI shows "10,000+".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class CappedCount:
    """A count that stopped at ``cap``: ``more`` says there were more rows."""

    value: int
    more: bool = False


@dataclass(frozen=True)
class TaskGroup:
    """Task runs of one flow run sharing a task (``vtasks.backup.backup_files``)."""

    task_key: str
    name: str
    count: int
    states: dict[str, int]
    start: int | None  # epoch µs of the first start
    end: int | None  # epoch µs of the last end


@dataclass(frozen=True)
class Activity:
    """Runs per state type in each slice of a window.

    ``capped``: the window held more runs than the cap, and only the newest were counted;
    ``counted_since``: when the oldest counted run started (the window's start if not capped),
    so other lists of the page can look at the same runs and no further.
    """

    buckets: list[dict[str, int]]
    capped: bool
    counted_since: datetime


def _tags_as_lists(flt: f.FlowRunFilter | None) -> tuple[f.FlowRunFilter | None, list[Any]]:
    """A filter's run tags as ``id IN (runs with the tag)`` instead of a correlated EXISTS.

    For a count the IN form reads the tag's index entries and then those runs (1,333 of
    100,000 for ``team:7``: 38 ms on SQLite), where EXISTS walks every run of the window
    and probes its tags (134 ms). Pages of 50 keep EXISTS: walking newest first, they stop
    after 50 matches.
    """
    if flt is None or flt.tags is None or flt.tags.is_null_ is not None or flt.operator != "and_":
        return flt, []
    ft, run_id = t.flow_run_tag, t.flow_run.c.id
    lists = [
        run_id.in_(sa.select(ft.c.flow_run_id).where(ft.c.tag == tag))
        for tag in flt.tags.all_ or ()
    ]
    if flt.tags.any_ is not None:
        lists.append(run_id.in_(sa.select(ft.c.flow_run_id).where(ft.c.tag.in_(flt.tags.any_))))
    return flt.model_copy(update={"tags": None}), lists


def _pool_where(work_pools: list[str] | None, work_queues: list[str] | None) -> list[Any]:
    """Runs of the named pools and queues; a run naming no queue is in its pool's ``default``
    queue, as claims read it (Prefect's rule)."""
    fr = t.flow_run.c
    where: list[Any] = []
    if work_pools:
        where.append(fr.work_pool_name.in_(work_pools))
    if work_queues:
        where.append(sa.func.coalesce(fr.work_queue_name, DEFAULT_QUEUE).in_(work_queues))
    return where


def _started_where(since: datetime | None, until: datetime | None) -> list[Any]:
    """Runs started, or expected to start, in ``[since, until)``: the window of the list's own
    sort key, so a Scheduled run (no start time yet) is in the window of its expected start."""
    started = t.started(t.flow_run)
    where: list[Any] = []
    if since is not None:
        where.append(started >= to_us(since))
    if until is not None:
        where.append(started < to_us(until))
    return where


def _capped(conn: Any, inner: Any, cap: int) -> CappedCount:
    query = sa.select(sa.func.count()).select_from(inner.limit(cap + 1).subquery())
    n = int(conn.execute(query).scalar_one())
    return CappedCount(min(n, cap), n > cap)


class UIQueryMixin(StoreBase):
    """Bounded reads for the web UI's pages (counts, keyset pages, groups, search)."""

    def count_flow_runs_capped(
        self,
        *,
        flow_run_filter: f.FlowRunFilter | None = None,
        flow_filter: f.FlowFilter | None = None,
        exclude_tags: list[str] | None = None,
        work_pools: list[str] | None = None,
        work_queues: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cap: int = COUNT_CAP,
    ) -> CappedCount:
        """How many flow runs match, counting at most ``cap + 1`` of them (``since``/``until``:
        started, or expected to, in that window)."""
        flt, tag_lists = _tags_as_lists(flow_run_filter)
        where = self._ui_run_where(flt, tag_lists, flow_filter, exclude_tags)
        where += _pool_where(work_pools, work_queues) + _started_where(since, until)
        inner = sa.select(t.flow_run.c.id).where(*where)
        if not tag_lists:
            # In the list's own order, so the first cap + 1 rows are read from the start-time
            # indexes and the scan stops there. Unordered, PostgreSQL chose a sequential scan
            # for a window holding a quarter of the runs and filtered out 76,671 older rows
            # before it found 10,001 (150 ms; see docs/ui.md). Tag lists are left unordered:
            # they read their few rows from the tag index.
            inner = inner.order_by(t.started(t.flow_run).desc())
        with self.connect() as conn:
            return _capped(conn, inner, cap)

    def flow_run_activity(
        self, since: datetime, until: datetime, buckets: int, cap: int = COUNT_CAP
    ) -> Activity:
        """Flow runs started (or expected) in ``[since, until)`` per state type, in ``buckets``
        equal slices, over the newest ``cap + 1`` runs at most (see ``Activity``)."""
        lo, hi = to_us(since), to_us(until)
        width = max(1, (hi - lo) // buckets)
        started = t.started(t.flow_run)
        # Integer division: the bucket's number, so the GROUP BY makes at most buckets x states
        # rows. A true division (numeric on PostgreSQL, real on SQLite) made one group per run:
        # 10,001 rows sent back and a numeric sort (30 days on PostgreSQL: 39 ms -> see
        # docs/ui.md).
        inner = (
            sa.select(
                ((started - lo) // width).label("b"),
                t.flow_run.c.state_type.label("s"),
                started.label("t"),
            )  # fmt: skip
            .where(started >= lo, started < hi)
            .order_by(started.desc())
            .limit(cap + 1)
            .subquery()
        )
        query = sa.select(inner.c.b, inner.c.s, sa.func.count(), sa.func.min(inner.c.t)).group_by(
            inner.c.b, inner.c.s
        )
        out: list[dict[str, int]] = [{} for _ in range(buckets)]
        total, oldest = 0, hi
        with self.connect() as conn:
            for bucket, state, n, first in conn.execute(query):
                index = min(buckets - 1, max(0, int(bucket)))
                key = str(state or "UNKNOWN")
                out[index][key] = out[index].get(key, 0) + int(n)
                total += int(n)
                oldest = min(oldest, int(first))
        capped = total > cap
        return Activity(out, capped, from_us(oldest) if capped else since)

    def read_flow_runs_page(
        self,
        *,
        flow_run_filter: f.FlowRunFilter | None = None,
        flow_filter: f.FlowFilter | None = None,
        exclude_tags: list[str] | None = None,
        work_pools: list[str] | None = None,
        work_queues: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: tuple[int, str] | None = None,
        limit: int = 50,
    ) -> list[o.FlowRun]:
        """Newest flow runs first (by start, else expected start), keyset-paged: ``before``
        is the ``(started µs, id)`` of the last run of the previous page. ``work_pools`` and
        ``work_queues`` keep the runs of those pools and queues (see ``_pool_where``);
        ``since``/``until`` those started, or expected to start, in that window."""
        started = t.started(t.flow_run)
        where = self._ui_run_where(flow_run_filter, [], flow_filter, exclude_tags)
        where += _pool_where(work_pools, work_queues) + _started_where(since, until)
        if before is not None:
            where.append(sa.tuple_(started, t.flow_run.c.id) < sa.tuple_(before[0], before[1]))
        query = (
            run_select("flow_run").where(*where).order_by(started.desc(), t.flow_run.c.id.desc())
        )
        with self.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [convert.flow_run(row) for row in rows]

    def _ui_run_where(
        self,
        flow_run_filter: f.FlowRunFilter | None,
        tag_lists: list[Any],
        flow_filter: f.FlowFilter | None,
        exclude_tags: list[str] | None,
    ) -> list[Any]:
        where = list(fs.run_filters(flow_filter=flow_filter, flow_run_filter=flow_run_filter,
                                    task_run_filter=None, deployment_filter=None, target="flow_run"))  # fmt: skip
        where += tag_lists
        if exclude_tags:
            tag = t.flow_run_tag
            where.append(
                ~sa.exists().where(
                    tag.c.flow_run_id == t.flow_run.c.id, tag.c.tag.in_(exclude_tags)
                )
            )
        return where

    def suggest(self, what: str, text: str, limit: int = 20) -> list[str]:
        """Names of flows, deployments, tags or work pools containing ``text``
        (case-insensitive), sorted.

        Raises:
            ValueError: ``what`` is not one of flow, deployment, tag, pool.
        """
        columns = {
            "flow": t.flow.c.name,
            "deployment": t.deployment.c.name,
            "tag": t.flow_run_tag.c.tag,
            "pool": t.work_pool.c.name,
        }
        if what not in columns:
            raise ValueError(f"Cannot suggest {what!r}; choose flow, deployment, tag or pool.")
        col = columns[what]
        if what == "tag" and text:
            found = self._suggest_tags(text, limit)
            if found is not None:
                return found
        query = sa.select(col).distinct().order_by(col).limit(limit)
        if text:
            query = query.where(case_insensitive_like(col, text))
        with self.connect() as conn:
            return [str(v) for (v,) in conn.execute(query)]

    def _suggest_tags(self, text: str, limit: int, distinct_cap: int = 20_000) -> list[str] | None:
        """Tags containing ``text``, read by skipping from one distinct tag to the next in
        the tag index (a few hundred seeks), not by reading every run's tag row: with
        100,000 runs a search that matches little read 300,000 rows (~180 ms). None when
        there are more than ``distinct_cap`` distinct tags before enough matches (the plain
        scan answers then)."""
        ft = t.flow_run_tag
        first = sa.select(sa.func.min(ft.c.tag).label("tag"), sa.literal(1).label("n"))
        tags = first.cte("tags", recursive=True)
        following = sa.select(sa.func.min(ft.c.tag)).where(ft.c.tag > tags.c.tag).scalar_subquery()
        tags = tags.union_all(
            sa.select(following, tags.c.n + 1).where(
                tags.c.tag.is_not(None), tags.c.n < distinct_cap
            )
        )
        hit = case_insensitive_like(tags.c.tag, text)
        # The recursion yields tags in order and stops once the LIMIT is met (both dialects
        # evaluate a recursive CTE only as far as it is read); the row at the cap comes back
        # too, so running out of distinct tags is told apart from reaching the cap.
        query = (sa.select(tags.c.tag, tags.c.n, hit.label("hit"))
                 .where(tags.c.tag.is_not(None), sa.or_(hit, tags.c.n == distinct_cap)).limit(limit + 1))  # fmt: skip
        with self.connect() as conn:
            rows = conn.execute(query).all()
        names = [str(tag) for tag, _, matched in rows if matched][:limit]
        if len(names) < limit and any(n == distinct_cap for _, n, _ in rows):
            return None
        return names

    def count_task_runs_by_state(
        self, flow_run_id: str, cap: int = 100_000
    ) -> tuple[dict[str, int], bool]:
        """A flow run's task runs by state type, over at most ``cap + 1`` of them."""
        tr = t.task_run
        inner = (
            sa.select(tr.c.state_type.label("s"))
            .where(tr.c.flow_run_id == flow_run_id)
            .limit(cap + 1)
            .subquery()
        )
        query = sa.select(inner.c.s, sa.func.count()).group_by(inner.c.s)
        with self.connect() as conn:
            counts = {str(k or "UNKNOWN"): int(n) for k, n in conn.execute(query)}
        return counts, sum(counts.values()) > cap

    def task_run_groups(
        self, flow_run_ids: list[str], cap: int = 100_000
    ) -> dict[str, list[TaskGroup]]:
        """Each flow run's task runs grouped by task, with per-state counts and their span."""
        tr = t.task_run
        inner = (
            sa.select(
                tr.c.flow_run_id,
                tr.c.task_key,
                tr.c.name,
                tr.c.state_type,
                tr.c.start_time,
                tr.c.end_time,
            )
            .where(tr.c.flow_run_id.in_(flow_run_ids))
            .limit(cap)
            .subquery()
        )
        query = sa.select(
            inner.c.flow_run_id, inner.c.task_key, sa.func.min(inner.c.name), inner.c.state_type,
            sa.func.count(), sa.func.min(inner.c.start_time), sa.func.max(inner.c.end_time),
        ).group_by(inner.c.flow_run_id, inner.c.task_key, inner.c.state_type)  # fmt: skip
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        with self.connect() as conn:
            for run_id, key, name, state, n, start, end in conn.execute(query):
                g = merged.setdefault(
                    (run_id, key), {"name": name, "states": {}, "start": None, "end": None}
                )
                g["states"][str(state or "UNKNOWN")] = int(n)
                g["name"] = min(g["name"], name)
                g["start"] = (
                    start
                    if g["start"] is None or (start is not None and start < g["start"])
                    else g["start"]
                )
                g["end"] = (
                    end if g["end"] is None or (end is not None and end > g["end"]) else g["end"]
                )
        out: dict[str, list[TaskGroup]] = {}
        for (run_id, key), g in merged.items():
            out.setdefault(run_id, []).append(TaskGroup(key, g["name"], sum(g["states"].values()),
                                                        g["states"], g["start"], g["end"]))  # fmt: skip
        return out

    def read_log_page(
        self,
        flow_run_id: str,
        *,
        task_run_id: str | None = None,
        level: int = 0,
        text: str = "",
        after: tuple[int, str] | None = None,
        limit: int = 200,
    ) -> list[o.Log]:
        """A run's log lines oldest first, at ``level`` or above, containing ``text``
        (case-insensitive, searched in the database over every line), after the
        ``(timestamp µs, id)`` of the last line already shown."""
        lg = t.log
        where: list[Any] = [lg.c.flow_run_id == flow_run_id]
        if task_run_id:
            where.append(lg.c.task_run_id == task_run_id)
        if level:
            where.append(lg.c.level >= level)
        if text:
            where.append(case_insensitive_like(lg.c.message, text))
        if after is not None:
            where.append(sa.tuple_(lg.c.timestamp, lg.c.id) > sa.tuple_(after[0], after[1]))
        query = sa.select(lg).where(*where).order_by(lg.c.timestamp, lg.c.id).limit(limit)
        with self.connect() as conn:
            return [convert.log(r) for r in conn.execute(query)]

    def read_run_states_page(self, kind: str, run_id: str, limit: int = 200) -> list[State]:
        """A run's first ``limit`` states, oldest first (``kind``: flow_run or task_run)."""
        table = t.flow_run_state if kind == "flow_run" else t.task_run_state
        fk = table.c[f"{kind}_id"]
        query = (
            sa.select(table)
            .where(fk == run_id)
            .order_by(table.c.timestamp, table.c.id)
            .limit(limit)
        )
        with self.connect() as conn:
            return [convert.state_from_row(r) for r in conn.execute(query)]

    def read_subflow_runs(
        self, flow_run_ids: list[str], limit: int = 500
    ) -> list[tuple[o.FlowRun, str, str]]:
        """Flow runs called from the given flow runs, each with its parent flow run's ID and
        the ``task_key`` of the task run standing for the call in that parent."""
        parent = t.task_run.alias("parent")
        query = (
            run_select("flow_run")
            .add_columns(
                parent.c.flow_run_id.label("parent_flow_run_id"),
                parent.c.task_key.label("parent_task_key"),
            )
            .join(parent, parent.c.id == t.flow_run.c.parent_task_run_id)
            .where(parent.c.flow_run_id.in_(flow_run_ids))
            .order_by(t.started(t.flow_run), t.flow_run.c.id)
            .limit(limit)
        )
        with self.connect() as conn:
            rows = conn.execute(query).all()
        return [
            (convert.flow_run(r), str(r.parent_flow_run_id), str(r.parent_task_key)) for r in rows
        ]
