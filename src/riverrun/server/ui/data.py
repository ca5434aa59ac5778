"""Every read and command of the web UI, in one place, through the store's operations.

Pages never touch the store directly: they call these functions, which reach it as a
``UIStore``: the operation table's ``StoreAPI`` (``read_flow_runs``, ``set_flow_run_state``...,
the same operations as the JSON API) plus ``UIQueries``, the bounded reads only pages need
(``riverrun._store.ui_queries``; each can become a table entry as it is). mypy checks that the
``Store`` serves both. Every query is bounded (a LIMIT or a time window): a test records the
SQL of each page and fails on one that is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from riverrun._api.store_api import StoreAPI
from riverrun._store.ui_queries import Activity, CappedCount, TaskGroup
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.blocks import BlockDocument, BlockSchema, BlockType
from riverrun.server.ui.layout import GROUP_ABOVE, TreeNode, build_tree
from riverrun.states import State, StateType


class UIQueries(Protocol):
    """The bounded reads the pages need beyond the operation table (see ``ui_queries``)."""

    is_sqlite: bool
    url: str

    def count_flow_runs_capped(self, *, flow_run_filter: f.FlowRunFilter | None = None,
                               flow_filter: f.FlowFilter | None = None,
                               exclude_tags: list[str] | None = None, work_pools: list[str] | None = None,
                               work_queues: list[str] | None = None, since: datetime | None = None,
                               until: datetime | None = None, cap: int = ...) -> CappedCount: ...  # fmt: skip
    def flow_run_activity(
        self, since: datetime, until: datetime, buckets: int, cap: int = ...
    ) -> Activity: ...
    def read_flow_runs_page(self, *, flow_run_filter: f.FlowRunFilter | None = None,
                            flow_filter: f.FlowFilter | None = None, exclude_tags: list[str] | None = None,
                            work_pools: list[str] | None = None, work_queues: list[str] | None = None,
                            since: datetime | None = None, until: datetime | None = None,
                            before: tuple[int, str] | None = None, limit: int = ...) -> list[o.FlowRun]: ...  # fmt: skip
    def suggest(self, what: str, text: str, limit: int = ...) -> list[str]: ...
    def count_task_runs_by_state(
        self, flow_run_id: str, cap: int = ...
    ) -> tuple[dict[str, int], bool]: ...
    def task_run_groups(
        self, flow_run_ids: list[str], cap: int = ...
    ) -> dict[str, list[TaskGroup]]: ...
    def read_log_page(self, flow_run_id: str, *, task_run_id: str | None = None, level: int = 0,
                      text: str = "", after: tuple[int, str] | None = None, limit: int = ...) -> list[o.Log]: ...  # fmt: skip
    def read_run_states_page(self, kind: str, run_id: str, limit: int = ...) -> list[State]: ...
    def read_subflow_runs(
        self, flow_run_ids: list[str], limit: int = ...
    ) -> list[tuple[o.FlowRun, str, str]]: ...


class UIStore(StoreAPI, UIQueries, Protocol):
    """All the UI may call: the operation table and the UI's bounded reads."""


if TYPE_CHECKING:

    def _store_serves_the_ui(store: UIStore) -> UIStore:
        return store


PAGE = 50
FINAL = frozenset({StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED})


@dataclass(frozen=True)
class RunQuery:
    """The runs list's filters, as they appear in its URL."""

    states: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    deployments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    pools: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    name: str = ""
    since: datetime | None = None
    until: datetime | None = None
    before: tuple[int, str] | None = None


def _run_filter(q: RunQuery) -> tuple[f.FlowRunFilter, f.FlowFilter | None]:
    flt = f.FlowRunFilter()
    if q.states:
        flt.state = f.FlowRunFilterState(
            type=f.FlowRunFilterStateType(any_=[StateType(s) for s in q.states])
        )
    if q.tags:
        flt.tags = f.FlowRunFilterTags(all_=list(q.tags))
    if q.name:
        flt.name = f.FlowRunFilterName(like_=q.name)
    flows = f.FlowFilter(name=f.FlowFilterName(any_=list(q.flows))) if q.flows else None
    return flt, flows


@dataclass
class RunsPage:
    """One page of the runs list: the runs, the capped total and the next page's cursor."""

    runs: list[o.FlowRun]
    total: CappedCount
    next_before: tuple[int, str] | None


@dataclass(frozen=True)
class RunFilters:
    """The store's filters for a runs query, and the two bounded reads over them."""

    flow_runs: f.FlowRunFilter
    flows: f.FlowFilter | None
    exclude_tags: list[str] | None
    pools: list[str] | None
    queues: list[str] | None
    since: datetime | None = None
    until: datetime | None = None

    def page(self, store: UIStore, before: tuple[int, str] | None, limit: int) -> list[o.FlowRun]:
        """The newest ``limit`` matching runs older than the cursor ``before``."""
        return store.read_flow_runs_page(flow_run_filter=self.flow_runs, flow_filter=self.flows,
                                         exclude_tags=self.exclude_tags, work_pools=self.pools,
                                         work_queues=self.queues, since=self.since,
                                         until=self.until, before=before, limit=limit)  # fmt: skip

    def count(self, store: UIStore) -> CappedCount:
        """How many runs match (capped)."""
        return store.count_flow_runs_capped(flow_run_filter=self.flow_runs, flow_filter=self.flows,
                                            exclude_tags=self.exclude_tags, work_pools=self.pools,
                                            work_queues=self.queues, since=self.since,
                                            until=self.until)  # fmt: skip


def run_filters(store: UIStore, q: RunQuery) -> RunFilters:
    """The store's filters for a runs query: flow runs, flows, tags to exclude, pools, queues."""
    flt, flows = _run_filter(q)
    if q.deployments:
        found = store.read_deployments(deployment_filter=f.DeploymentFilter(
            name=f.DeploymentFilterName(any_=list(q.deployments))), limit=100)  # fmt: skip
        flt.deployment_id = f.FlowRunFilterDeploymentId(any_=[d.id for d in found] or ["-"])
    return RunFilters(flt, flows, list(q.exclude_tags) or None, list(q.pools) or None,
                      list(q.queues) or None, q.since, q.until)  # fmt: skip


def runs_page(store: UIStore, q: RunQuery, size: int = PAGE) -> RunsPage:
    """A page of flow runs matching the query, newest first, and how many match in all."""
    filters = run_filters(store, q)
    runs = filters.page(store, q.before, size + 1)
    total = filters.count(store)
    more = len(runs) > size
    runs = runs[:size]
    cursor = (started_us(runs[-1]), runs[-1].id) if more and runs else None
    return RunsPage(runs, total, cursor)


def started_us(run: o.FlowRun | o.TaskRun) -> int:
    """The run's sort key (start, else expected start) in epoch microseconds."""
    moment = run.start_time or run.expected_start_time
    return 0 if moment is None else int(moment.timestamp() * 1_000_000)


def suggest(store: UIStore, what: str, text: str) -> list[str]:
    """Typeahead: flow, deployment or tag names containing ``text``."""
    return store.suggest(what, text, limit=20)


@dataclass
class Dashboard:
    """What the dashboard shows for a time window."""

    since: datetime
    until: datetime
    counts: dict[str, int]
    capped: bool
    failures: list[o.FlowRun]
    late: list[o.FlowRun]
    running: list[o.FlowRun]
    activity: list[dict[str, int]]


def dashboard(store: UIStore, window: timedelta, buckets: int = 24) -> Dashboard:
    """Counts by state, recent failures, late and running runs, activity, over ``window``."""
    until = datetime.now(timezone.utc)
    since = until - window
    # One bounded read of the window gives both the chart and the counts by state.
    activity = store.flow_run_activity(since, until, buckets)
    counts: dict[str, int] = {}
    for bucket in activity.buckets:
        for state, n in bucket.items():
            counts[state] = counts.get(state, 0) + n
    # The lists look at the same runs the counts do: in a window of millions, the newest.
    in_window = f.FlowRunFilterStartTime(after_=activity.counted_since, before_=until)

    def latest(*types: StateType, name: str | None = None) -> list[o.FlowRun]:
        flt = f.FlowRunFilter(start_time=in_window, state=f.FlowRunFilterState(
            type=f.FlowRunFilterStateType(any_=list(types)) if types else None,
            name=f.FlowRunFilterStateName(any_=[name]) if name else None))  # fmt: skip
        return store.read_flow_runs_page(flow_run_filter=flt, limit=8)

    # Late is a Scheduled state: naming the type lets the (state_type, started) index read only
    # Scheduled runs, where the name alone walked every run of the window (10,001 on 30 days).
    return Dashboard(since, until, counts, activity.capped, latest(StateType.FAILED, StateType.CRASHED),
                     latest(StateType.SCHEDULED, name="Late"), latest(StateType.RUNNING), activity.buckets)  # fmt: skip


def is_final(run: o.FlowRun | o.TaskRun) -> bool:
    """Whether the run is in a final state (nothing more will happen to it)."""
    return run.state_type in FINAL


@dataclass
class FlowRunView:
    """What the flow run page needs beyond its tabs' fragments."""

    run: o.FlowRun
    flow: o.Flow | None
    parent: o.TaskRun | None
    deployment: o.Deployment | None
    task_counts: dict[str, int]
    tasks_capped: bool
    tree: TreeNode
    subflow_count: int = 0
    notes: list[str] = field(default_factory=list)


def flow_run_view(store: UIStore, flow_run_id: str) -> FlowRunView:
    """The flow run with its flow, parent, deployment, per-state task counts and tree."""
    run = store.read_flow_run(flow_run_id)
    flow = _maybe(store.read_flow, run.flow_id)
    parent = _maybe(store.read_task_run, run.parent_task_run_id) if run.parent_task_run_id else None
    deployment = _maybe(store.read_deployment, run.deployment_id) if run.deployment_id else None
    counts, capped = store.count_task_runs_by_state(run.id)
    # The tree: two levels of subflows per query, bounded in count.
    ids, subflows = [run.id], []
    for _ in range(3):
        level = store.read_subflow_runs(ids, limit=200)
        if not level:
            break
        subflows += level
        ids = [sub.id for sub, _, _ in level]
    all_ids = [run.id, *(sub.id for sub, _, _ in subflows)]
    groups = store.task_run_groups(all_ids)
    total = sum(g.count for gs in groups.values() for g in gs)
    task_runs: dict[str, list[o.TaskRun]] = {}
    if total <= GROUP_ABOVE:
        for task in store.read_task_runs(
            task_run_filter=f.TaskRunFilter(flow_run_id=f.TaskRunFilterFlowRunId(any_=all_ids)),
            sort=s.TaskRunSort.EXPECTED_START_TIME_ASC, limit=GROUP_ABOVE + 1,
        ):  # fmt: skip
            task_runs.setdefault(str(task.flow_run_id), []).append(task)
        for rid in all_ids:
            task_runs.setdefault(rid, [])
    tree = build_tree(run, groups, subflows, task_runs)
    return FlowRunView(run, flow, parent, deployment, counts, capped, tree, len(subflows))


def _maybe(read: Any, ident: Any) -> Any:
    from riverrun.exceptions import ObjectNotFound

    try:
        return read(ident)
    except ObjectNotFound:
        return None


def task_runs_of(store: UIStore, flow_run_id: str, state: str = "", name: str = "",
                 offset: int = 0) -> list[o.TaskRun]:  # fmt: skip
    """A page of a flow run's task runs, filtered on the server by state and name."""
    flt = f.TaskRunFilter(flow_run_id=f.TaskRunFilterFlowRunId(any_=[flow_run_id]))
    if state:
        flt.state = f.TaskRunFilterState(type=f.TaskRunFilterStateType(any_=[StateType(state)]))
    if name:
        flt.name = f.TaskRunFilterName(like_=name)
    return store.read_task_runs(
        task_run_filter=flt,
        sort=s.TaskRunSort.EXPECTED_START_TIME_ASC,
        limit=PAGE + 1,
        offset=offset,
    )


def logs(store: UIStore, flow_run_id: str, *, task_run_id: str | None = None, level: int = 0,
         text: str = "", after: tuple[int, str] | None = None, limit: int = 200) -> list[o.Log]:  # fmt: skip
    """A run's log lines after a cursor, at a level or above, containing a text."""
    return store.read_log_page(flow_run_id, task_run_id=task_run_id, level=level, text=text,
                               after=after, limit=limit)  # fmt: skip


def artifacts_of(
    store: UIStore, flow_run_id: str | None = None, limit: int = PAGE
) -> list[o.Artifact]:
    """Artifacts of a flow run (or the latest of all), newest first."""
    flt = (
        f.ArtifactFilter(flow_run_id=f.ArtifactFilterFlowRunId(any_=[flow_run_id]))
        if flow_run_id
        else None
    )
    return store.read_artifacts(artifact_filter=flt, limit=limit)


def states_of(store: UIStore, kind: str, run_id: str) -> list[State]:
    """A run's state history, oldest first (at most 200 states)."""
    return store.read_run_states_page(kind, run_id, limit=200)


def task_run(store: UIStore, task_run_id: str) -> o.TaskRun:
    """One task run."""
    return store.read_task_run(task_run_id)


def upstream_of(store: UIStore, run: o.TaskRun) -> dict[str, list[o.TaskRun]]:
    """The task runs whose results fed each input of ``run`` (at most 50 per input)."""
    out: dict[str, list[o.TaskRun]] = {}
    ids = {
        ref.id for refs in run.task_inputs.values() for ref in refs if ref.input_type == "task_run"
    }
    if not ids:
        return out
    found = {t.id: t for t in store.read_task_runs(
        task_run_filter=f.TaskRunFilter(id=f.TaskRunFilterId(any_=sorted(ids))), limit=len(ids))}  # fmt: skip
    for name, refs in run.task_inputs.items():
        out[name] = [found[r.id] for r in refs[:50] if r.id in found]
    return out


def flow_run(store: UIStore, flow_run_id: str) -> o.FlowRun:
    """One flow run."""
    return store.read_flow_run(flow_run_id)


def set_flow_run_state(
    store: UIStore, flow_run_id: str, state: State, force: bool = False
) -> o.OrchestrationResult:
    """Propose a state for a flow run (the same operation as ``POST /api/flow_runs/{id}/set_state``)."""
    return store.set_flow_run_state(flow_run_id, state, force=force)


def flows(store: UIStore, name: str = "", offset: int = 0) -> list[o.Flow]:
    """A page of flows by name."""
    flt = f.FlowFilter(name=f.FlowFilterName(like_=name)) if name else None
    return store.read_flows(flow_filter=flt, limit=PAGE + 1, offset=offset)


def flow(store: UIStore, flow_id: str) -> o.Flow:
    """One flow."""
    return store.read_flow(flow_id)


def deployments_of(store: UIStore, flow_id: str) -> list[o.Deployment]:
    """A flow's deployments (at most 50)."""
    return store.read_deployments(
        flow_filter=f.FlowFilter(id=f.FlowFilterId(any_=[flow_id])), limit=PAGE
    )


def variables(store: UIStore, name: str = "", offset: int = 0) -> list[o.Variable]:
    """A page of variables by name."""
    flt = f.VariableFilter(name=f.VariableFilterName(like_=name)) if name else None
    return store.read_variables(variable_filter=flt, limit=PAGE + 1, offset=offset)


def block_types(store: UIStore) -> list[BlockType]:
    """The block catalog (the types registered on this server)."""
    return store.read_block_types()[:500]


def block_type(store: UIStore, slug: str) -> BlockType:
    """One block type by slug."""
    return store.read_block_type_by_slug(slug)


def block_schema_of(store: UIStore, block_type_id: str) -> BlockSchema | None:
    """The newest schema of a block type."""
    schemas = store.read_block_schemas(block_type_id)
    return schemas[0] if schemas else None


def block_documents(store: UIStore, offset: int = 0) -> list[BlockDocument]:
    """A page of saved blocks (secrets masked)."""
    return store.read_block_documents(offset=offset, limit=PAGE + 1)


def block_document(
    store: UIStore, block_document_id: str, include_secrets: bool = False
) -> BlockDocument:
    """One saved block."""
    return store.read_block_document(block_document_id, include_secrets=include_secrets)


def save_block_document(store: UIStore, *, name: str, block_type: BlockType, schema: BlockSchema,
                        data: dict[str, Any], existing: BlockDocument | None) -> BlockDocument:  # fmt: skip
    """Create a block document, or replace the data of an existing one."""
    from riverrun.schemas.blocks import BlockDocumentCreate, BlockDocumentUpdate

    if existing is not None:
        store.update_block_document(
            existing.id, BlockDocumentUpdate(data=data, merge_existing_data=False)
        )
        return store.read_block_document(existing.id)
    return store.create_block_document(BlockDocumentCreate(
        name=name, data=data, block_schema_id=schema.id, block_type_id=block_type.id))  # fmt: skip


def about(store: UIStore) -> dict[str, Any]:
    """What the settings/about page shows of the store."""
    from riverrun._store.dialect import sqlite_path

    if store.is_sqlite:
        return {"database": "SQLite", "location": str(sqlite_path(store.url))}
    url = store.url
    return {"database": "PostgreSQL", "location": url.split("@", 1)[-1]}


# -- deployments ------------------------------------------------------------------------------


def deployments(store: UIStore, name: str = "", paused: bool | None = None,
                offset: int = 0) -> list[o.Deployment]:  # fmt: skip
    """A page of deployments by name (one row past the page), searched on the server."""
    flt = f.DeploymentFilter()
    if name:
        flt.name = f.DeploymentFilterName(like_=name)
    if paused is not None:
        flt.paused = f.DeploymentFilterPaused(eq_=paused)
    return store.read_deployments(deployment_filter=flt, sort=s.DeploymentSort.NAME_ASC,
                                  limit=PAGE + 1, offset=offset)  # fmt: skip


def flow_names(store: UIStore, flow_ids: list[str]) -> dict[str, str]:
    """Flow names by ID, for a page of deployments."""
    ids = sorted(set(flow_ids))
    if not ids:
        return {}
    found = store.read_flows(flow_filter=f.FlowFilter(id=f.FlowFilterId(any_=ids)), limit=len(ids))
    return {str(flow.id): flow.name for flow in found}


def deployment(store: UIStore, deployment_id: str) -> o.Deployment:
    """One deployment with its schedules."""
    return store.read_deployment(deployment_id)


def deployment_runs(
    store: UIStore, deployment_id: str, *, upcoming: bool, limit: int = 10
) -> list[o.FlowRun]:
    """A deployment's next scheduled runs (soonest first) or its latest runs (newest first)."""
    by_deployment = f.FlowRunFilterDeploymentId(any_=[deployment_id])
    now = datetime.now(timezone.utc)
    if upcoming:
        flt = f.FlowRunFilter(
            deployment_id=by_deployment,
            state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            expected_start_time=f.FlowRunFilterExpectedStartTime(after_=now - timedelta(days=1)),
        )  # fmt: skip
        return store.read_flow_runs(
            flow_run_filter=flt, sort=s.FlowRunSort.EXPECTED_START_TIME_ASC, limit=limit
        )
    flt = f.FlowRunFilter(
        deployment_id=by_deployment, start_time=f.FlowRunFilterStartTime(before_=now)
    )
    runs = store.read_flow_runs_page(flow_run_filter=flt, limit=limit + 10)
    # The latest that have started or been settled; the page's upcoming list shows the rest.
    return [r for r in runs if r.state_type is not StateType.SCHEDULED][:limit]


def set_schedule_active(store: UIStore, deployment_id: str, schedule_id: str, active: bool) -> None:
    """Pause or resume one schedule of a deployment."""
    store.update_deployment_schedule(deployment_id, schedule_id, active=active)


def set_deployment_paused(store: UIStore, deployment_id: str, paused: bool) -> None:
    """Pause or resume a whole deployment."""
    if paused:
        store.pause_deployment(deployment_id)
    else:
        store.resume_deployment(deployment_id)


def run_deployment(store: UIStore, deployment_id: str, parameters: dict[str, Any], *, name: str | None,
                   tags: list[str]) -> o.FlowRun:  # fmt: skip
    """A run of the deployment, through the same operation as ``POST .../create_flow_run``."""
    return store.create_flow_run_from_deployment(deployment_id, parameters=parameters, name=name or None,
                                                 tags=tags or None)  # fmt: skip


class _BackfillReads:
    """What ``plan_backfill`` asks of a client, over the store, with its read of existing
    runs (bounded by ``plan_backfill`` to the backfilled range) capped."""

    def __init__(self, store: UIStore, cap: int) -> None:
        self.store, self.cap = store, cap

    def read_flow_runs(
        self, *, flow_run_filter: f.FlowRunFilter, deployment_filter: f.DeploymentFilter
    ) -> list[o.FlowRun]:
        ids = deployment_filter.id.any_ if deployment_filter.id else None
        flt = flow_run_filter.model_copy(
            update={"deployment_id": f.FlowRunFilterDeploymentId(any_=list(ids or []))}
        )
        return self.store.read_flow_runs(flow_run_filter=flt, limit=self.cap)

    def create_flow_run_from_deployment(self, deployment_id: str, **kwargs: Any) -> o.FlowRun:
        return self.store.create_flow_run_from_deployment(deployment_id, **kwargs)


#: A backfill from the UI makes at most this many runs at once (the CLI has no such cap).
BACKFILL_CAP = 1000


def backfill(store: UIStore, dep: o.Deployment, start: datetime, end: datetime, reprocess: str,
             *, create: bool) -> tuple[list[datetime], list[tuple[datetime, str]]]:  # fmt: skip
    """Plan (and with ``create``, make) one run per schedule time in [start, end], as
    ``riverrun deployment backfill`` does; the times to create and those skipped, with why.

    Raises:
        ValueError: more than ``BACKFILL_CAP`` times in the range.
    """
    from riverrun.deployments.backfill import plan_backfill

    reads = _BackfillReads(store, cap=10 * BACKFILL_CAP)
    plan = plan_backfill(reads, dep, start, end, reprocess)
    if len(plan.create) > BACKFILL_CAP:
        raise ValueError(f"{len(plan.create):,} runs is more than {BACKFILL_CAP:,} at once; "
                         "pick a shorter range, or use `riverrun deployment backfill`.")  # fmt: skip
    if create:
        for when in plan.create:
            plan.create_run(reads, when)
    return plan.create, plan.skipped
