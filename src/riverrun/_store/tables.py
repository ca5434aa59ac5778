"""The schema: SQLAlchemy Core tables with dialect-neutral types, one for SQLite and PostgreSQL.

Conventions, chosen so that the same SQL text works on both dialects and the embedded
writer can use the stdlib ``sqlite3`` module without importing SQLAlchemy:

- IDs are UUID strings (``String(36)``); new ones are UUIDv7, so recent rows are neighbours.
- Timestamps are ``BigInteger`` microseconds since the Unix epoch, UTC.
- JSON values (parameters, tags, data...) are ``Text`` holding JSON.
- Tags are also normalised into ``*_tag`` tables so tag filters use an index on both dialects.

Changing anything here needs an Alembic revision in ``riverrun/_store/migrations/versions``
and a line in ``MIGRATIONS.md``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s__%(column_0_N_name)s",
        "uq": "uq_%(table_name)s__%(column_0_N_name)s",
        "fk": "fk_%(table_name)s__%(column_0_name)s__%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(36)


def _not_null(column: str) -> dict[str, Any]:
    """A partial index: rows where ``column`` is NULL (most of them) cost it nothing."""
    clause = text(f"{column} IS NOT NULL")
    return {"sqlite_where": clause, "postgresql_where": clause}


def started(table: Table) -> ColumnElement[int]:
    """When a run started, or is expected to: what START_TIME sorts order by (as Prefect).

    Indexed as an expression (``ix_*__started``) so that "newest runs first" reads 50 rows
    from an index instead of sorting the table.
    """
    from sqlalchemy import func

    return func.coalesce(table.c.start_time, table.c.expected_start_time)


def _id_column() -> Column:
    return Column("id", ID, primary_key=True)


def _state_columns() -> list[Column]:
    """The run's current state, denormalised onto the run row for fast filters and sorts."""
    return [
        Column("state_id", ID),
        Column("state_type", String(20)),
        Column("state_name", String(50)),
        Column("state_timestamp", BigInteger),
        Column("state_message", Text),
        Column("start_time", BigInteger),
        Column("end_time", BigInteger),
        Column("expected_start_time", BigInteger),
        Column("next_scheduled_start_time", BigInteger),
        Column("run_count", Integer, nullable=False, server_default="0"),
        Column("total_run_time", Float, nullable=False, server_default="0"),
    ]


flow = Table(
    "flow",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False, unique=True),
    Column("tags", Text, nullable=False, server_default="[]"),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)

flow_run = Table(
    "flow_run",
    metadata,
    _id_column(),
    Column("flow_id", ID, ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("parameters", Text, nullable=False, server_default="{}"),
    Column("tags", Text, nullable=False, server_default="[]"),
    Column("parent_task_run_id", ID),
    Column("deployment_id", ID),
    Column("work_queue_name", String(255)),
    Column("work_pool_name", String(255)),
    Column("flow_version", String(255)),
    Column("idempotency_key", String(255)),
    Column("empirical_policy", Text, nullable=False, server_default="{}"),
    Column("context", Text, nullable=False, server_default="{}"),
    Column("heartbeat", BigInteger),
    # Labels merged in by update_flow_run_labels (JSON); riverrun.flow.id is derived, not kept.
    Column("labels", Text),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    *_state_columns(),
    # 0005: which schedule made an auto-scheduled run, so editing it replaces only its runs.
    Column("deployment_schedule_id", ID),
    # 0008: the run's lease (``_store/leases.py``) and the process running it.
    Column("lease_owner", String(255)),
    Column("lease_token", Integer, nullable=False, server_default="0"),
    Column("lease_expires", BigInteger),
    Column("hostname", String(255)),
    Column("pid", Integer),
    Column("process_started", BigInteger),
    Index("ix_flow_run__flow_id", "flow_id"),
    Index("ix_flow_run__expected_start_time", "expected_start_time"),
    Index(
        "ix_flow_run__parent_task_run_id", "parent_task_run_id", **_not_null("parent_task_run_id")
    ),
    Index("ix_flow_run__deployment_id", "deployment_id", **_not_null("deployment_id")),
    Index("ix_flow_run__created", "created"),
    # One run per key and flow: a retried create returns the first run, and the scheduler's
    # key per (schedule, time) makes scheduling idempotent across processes and replicas.
    Index(
        "uq_flow_run__flow_id_idempotency_key",
        "flow_id",
        "idempotency_key",
        unique=True,
        **_not_null("idempotency_key"),
    ),
)
Index("ix_flow_run__started", started(flow_run), flow_run.c.id)
# The runs page filtered to one state, newest first (0011): equality, then the sort order.
Index("ix_flow_run__state_type_started", flow_run.c.state_type, started(flow_run), flow_run.c.id)
# The sweeper reads expired leases; the embedded dead-process check reads live runs of a host.
Index("ix_flow_run__lease_expires", flow_run.c.lease_expires, **_not_null("lease_expires"))
_LIVE = text("state_type IN ('RUNNING', 'CANCELLING')")
Index("ix_flow_run__live_hostname", flow_run.c.hostname, sqlite_where=_LIVE, postgresql_where=_LIVE)

flow_run_tag = Table(
    "flow_run_tag",
    metadata,
    Column("flow_run_id", ID, ForeignKey("flow_run.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(255), primary_key=True),
    Index("ix_flow_run_tag__tag", "tag", "flow_run_id"),
)

# 0012: key/value inputs sent to a flow run (``send_input``), one per key, deleted with it.
flow_run_input = Table(
    "flow_run_input",
    metadata,
    _id_column(),
    Column("flow_run_id", ID, ForeignKey("flow_run.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("value", Text, nullable=False),
    Column("sender", String(255)),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("uq_flow_run_input__flow_run_id_key", "flow_run_id", "key", unique=True),
)

flow_run_state = Table(
    "flow_run_state",
    metadata,
    _id_column(),
    Column("flow_run_id", ID, ForeignKey("flow_run.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(20), nullable=False),
    Column("name", String(50), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("message", Text),
    Column("data", Text),
    Column("state_details", Text, nullable=False, server_default="{}"),
    Index("ix_flow_run_state__flow_run_id_timestamp", "flow_run_id", "timestamp"),
)

task_run = Table(
    "task_run",
    metadata,
    _id_column(),
    Column("flow_run_id", ID, ForeignKey("flow_run.id", ondelete="CASCADE")),
    Column("task_key", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("dynamic_key", String(255), nullable=False, server_default="0"),
    Column("tags", Text, nullable=False, server_default="[]"),
    Column("task_inputs", Text, nullable=False, server_default="{}"),
    Column("cache_key", String(255)),
    Column("cache_expiration", BigInteger),
    Column("task_version", String(255)),
    Column("empirical_policy", Text, nullable=False, server_default="{}"),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    *_state_columns(),
    Index("ix_task_run__flow_run_id", "flow_run_id"),
    Index("ix_task_run__expected_start_time", "expected_start_time"),
    # The engine looks up a completed run by cache key before running a cached task.
)
Index("ix_task_run__started", started(task_run), task_run.c.id)

task_run_tag = Table(
    "task_run_tag",
    metadata,
    Column("task_run_id", ID, ForeignKey("task_run.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(255), primary_key=True),
    Index("ix_task_run_tag__tag", "tag", "task_run_id"),
)

task_run_state = Table(
    "task_run_state",
    metadata,
    _id_column(),
    Column("task_run_id", ID, ForeignKey("task_run.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(20), nullable=False),
    Column("name", String(50), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("message", Text),
    Column("data", Text),
    Column("state_details", Text, nullable=False, server_default="{}"),
    Index("ix_task_run_state__task_run_id_timestamp", "task_run_id", "timestamp"),
)

log = Table(
    "log",
    metadata,
    _id_column(),
    # No foreign keys: a log line may arrive before its run row (separate batches, or a
    # spool replayed out of band) and must never be lost for that.
    Column("flow_run_id", ID),
    Column("task_run_id", ID),
    Column("name", String(255), nullable=False),
    Column("level", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Index("ix_log__flow_run_id_timestamp_id", "flow_run_id", "timestamp", "id"),
    Index("ix_log__task_run_id", "task_run_id", **_not_null("task_run_id")),
    Index("ix_log__timestamp", "timestamp"),
)

artifact = Table(
    "artifact",
    metadata,
    _id_column(),
    Column("key", String(255)),
    Column("type", String(50)),
    Column("description", Text),
    Column("data", Text),
    Column("metadata_", Text),
    Column("flow_run_id", ID),
    Column("task_run_id", ID),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("ix_artifact__key", "key"),
    Index("ix_artifact__flow_run_id", "flow_run_id"),
    Index("ix_artifact__created", "created"),
)

variable = Table(
    "variable",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False, unique=True),
    Column("value", Text),
    Column("tags", Text, nullable=False, server_default="[]"),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)

deployment = Table(
    "deployment",
    metadata,
    _id_column(),
    Column("flow_id", ID, ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("version", String(255)),
    Column("tags", Text, nullable=False, server_default="[]"),
    Column("parameters", Text, nullable=False, server_default="{}"),
    Column("parameter_openapi_schema", Text),
    Column("entrypoint", Text),
    Column("path", Text),
    Column("work_pool_name", String(255)),
    Column("work_queue_name", String(255)),
    Column("paused", Boolean, nullable=False, server_default="0"),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    # 0005: what runs of the deployment may do, and what the scheduler does when they are late.
    Column("concurrency_limit", Integer),
    Column("concurrency_options", Text),
    Column("enforce_parameter_schema", Boolean, nullable=False, server_default="1"),
    Column("job_variables", Text, nullable=False, server_default="{}"),
    Column("pull_steps", Text),
    Column("catchup", String(20), nullable=False, server_default="all"),
    Column("catchup_window_seconds", Float),
    Column("overlap", String(20), nullable=False, server_default="allow"),
    # When a serving process or worker last asked for this deployment's runs.
    Column("last_polled", BigInteger),
    Index("uq_deployment__flow_id_name", "flow_id", "name", unique=True),
)

deployment_schedule = Table(
    "deployment_schedule",
    metadata,
    _id_column(),
    Column("deployment_id", ID, ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False),
    # JSON of an IntervalSchedule, CronSchedule or RRuleSchedule.
    Column("schedule", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("max_scheduled_runs", Integer),
    Column("parameters", Text, nullable=False, server_default="{}"),
    Column("slug", String(255)),
    Column("jitter_seconds", Float),
    # The latest time runs were materialised up to: times before it are known, not missed.
    Column("high_water", BigInteger),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("ix_deployment_schedule__deployment_id", "deployment_id"),
    Index(
        "uq_deployment_schedule__deployment_id_slug",
        "deployment_id",
        "slug",
        unique=True,
        **_not_null("slug"),
    ),
)

block_type = Table(
    "block_type",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False),
    Column("slug", String(255), nullable=False, unique=True),
    Column("logo_url", Text),
    Column("documentation_url", Text),
    Column("description", Text),
    Column("code_example", Text),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)

block_schema = Table(
    "block_schema",
    metadata,
    _id_column(),
    Column("checksum", String(255), nullable=False),
    Column("block_type_id", ID, ForeignKey("block_type.id", ondelete="CASCADE"), nullable=False),
    Column("fields", Text, nullable=False, server_default="{}"),
    Column("capabilities", Text, nullable=False, server_default="[]"),
    Column("version", String(50), nullable=False, server_default="1"),
    Column("created", BigInteger, nullable=False),
    Index("uq_block_schema__checksum_version", "checksum", "version", unique=True),
)

block_document = Table(
    "block_document",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False),
    Column("block_type_id", ID, ForeignKey("block_type.id", ondelete="CASCADE"), nullable=False),
    Column(
        "block_schema_id", ID, ForeignKey("block_schema.id", ondelete="CASCADE"), nullable=False
    ),
    # JSON of the fields; secret fields hold Fernet tokens, never plaintext.
    Column("data", Text, nullable=False, server_default="{}"),
    Column("is_anonymous", Boolean, nullable=False, server_default="0"),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("uq_block_document__block_type_id_name", "block_type_id", "name", unique=True),
)

api_key = Table(
    "api_key",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False),
    # The first characters of the key, shown in listings so people can tell keys apart.
    Column("prefix", String(16), nullable=False),
    # SHA-256 hex of the whole key; the key itself is never stored.
    Column("hash", String(64), nullable=False, unique=True),
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger),
    Column("revoked", BigInteger),
    Index("ix_api_key__name", "name"),
)

# -- events and automations (revision 0007) ----------------------------------------------------

event = Table(
    "event",
    metadata,
    _id_column(),
    Column("occurred", BigInteger, nullable=False),
    Column("event", String(1024), nullable=False),
    Column("resource_id", String(1024), nullable=False),
    # JSON object of the resource's labels; JSON list of related resources.
    Column("resource", Text, nullable=False),
    Column("related", Text, nullable=False),
    Column("payload", Text, nullable=False),
    # When this store wrote it: the cursor automations read new events by.
    Column("received", BigInteger, nullable=False),
    Column("follows", ID),
    # Set on the events derived from a flow run's states: their run's name, flow, tags and
    # deployment are joined in when read, so deriving one costs one row and no lookup.
    Column("flow_run_id", ID),
    Index("ix_event__occurred", "occurred"),
    Index("ix_event__received", "received"),
    Index("ix_event__resource_id", "resource_id"),
)

automation = Table(
    "automation",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False),
    Column("enabled", Boolean, nullable=False),
    # The whole automation (trigger, actions, description, tags) as JSON.
    Column("definition", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)

# One row per action of one firing: the firing's claim (its key is the primary key, so the
# same firing inserted twice, by two replicas or after a restart, is one row) and its
# delivery (attempts, next attempt, outcome).
automation_action = Table(
    "automation_action",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("automation_id", ID, nullable=False),
    Column("action_index", Integer, nullable=False),
    Column("triggering_event_id", ID),
    # The firing's context: the action, the triggering event and the automation's name.
    Column("firing", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt", BigInteger, nullable=False),
    Column("error", Text),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("ix_automation_action__status", "status", "next_attempt"),
)

# Concurrency limits: global (Prefect's v2 API), tag limits for task runs (stored as global
# limits named ``tag:<tag>``, as Prefect 3 does) and deployment limits (``deployment:<id>``).
concurrency_limit = Table(
    "concurrency_limit",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False, unique=True),
    Column("slot_limit", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("slot_decay_per_second", Float, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)

# Every held slot is a lease row: ``occupy`` slots of one limit until ``expires``. The slots
# a limit holds are the sum over its unexpired rows, so a holder that dies leaks nothing: its
# rows stop counting at expiry and the sweeper deletes them. One lease (``lease_id``) may span
# several limits (one row each). Rate-limit grants are rows that expire as the slot decays.
concurrency_lease = Table(
    "concurrency_lease",
    metadata,
    _id_column(),
    Column("lease_id", ID, nullable=False),
    Column("limit_id", ID, nullable=False),
    Column("occupy", Integer, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("holder_type", String(32)),
    Column("holder_id", ID),
    Column("created", BigInteger, nullable=False),
    Index("ix_concurrency_lease__limit_id", "limit_id", "expires"),
    Index("ix_concurrency_lease__lease_id", "lease_id"),
    Index("ix_concurrency_lease__expires", "expires"),
    Index("ix_concurrency_lease__holder_id", "holder_id", **_not_null("holder_id")),
)

# 0009: work pools, their queues and the workers that poll them (issue 14).
work_pool = Table(
    "work_pool",
    metadata,
    _id_column(),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text),
    Column("type", String(255), nullable=False),
    Column("base_job_template", Text, nullable=False, server_default="{}"),
    Column("is_paused", Boolean, nullable=False, server_default="0"),
    Column("concurrency_limit", Integer),
    Column("default_queue_id", ID),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)

work_queue = Table(
    "work_queue",
    metadata,
    _id_column(),
    Column("work_pool_id", ID, ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("is_paused", Boolean, nullable=False, server_default="0"),
    Column("concurrency_limit", Integer),
    Column("priority", Integer, nullable=False, server_default="1"),
    Column("last_polled", BigInteger),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("uq_work_queue__work_pool_id_name", "work_pool_id", "name", unique=True),
)

worker = Table(
    "worker",
    metadata,
    _id_column(),
    Column("work_pool_id", ID, ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("last_heartbeat_time", BigInteger, nullable=False),
    Column("heartbeat_interval_seconds", Integer),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("uq_worker__work_pool_id_name", "work_pool_id", "name", unique=True),
)

# A deployment's service level agreements (``riverrun.schemas.slas``); a violation is an
# event whose ID derives from the SLA and what violated it, so it is recorded once.
sla = Table(
    "sla",
    metadata,
    _id_column(),
    Column("deployment_id", ID, ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("type", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    # The type's threshold in seconds: duration, within or stale_after.
    Column("threshold_seconds", Float, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Index("uq_sla__deployment_id_name", "deployment_id", "name", unique=True),
)

# Claims read a pool's due runs: Scheduled runs of that pool by expected start.
Index(
    "ix_flow_run__work_pool_name_state_type",
    flow_run.c.work_pool_name,
    flow_run.c.state_type,
    flow_run.c.expected_start_time,
    **_not_null("work_pool_name"),
)
