"""Flow-run inputs: key/value text sent to a flow run, one row per (run, key).

``riverrun.input``'s ``send_input`` / ``receive_input`` are built on these four operations, as
Prefect's are; the input a pause waits for travels in the run's states instead
(``_store/flow_run_pauses.py``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import convert
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun._store.run_rows import as_id, not_found
from riverrun.exceptions import InvalidNameError, ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas import objects as o

# Prefect's rule for input keys (``raise_on_name_alphanumeric_dashes_only``).
_KEY = re.compile(r"^[a-z0-9-]*$")


def _missing(flow_run_id: str, key: str) -> ObjectNotFound:
    return ObjectNotFound(
        f"Flow run {flow_run_id!r} has no input with key {key!r}; "
        "`filter_flow_run_input(flow_run_id, key_prefix='', ...)` lists its keys."
    )


class FlowRunInputStoreMixin(StoreBase):
    """Create, read, filter and delete flow-run inputs."""

    def create_flow_run_input(
        self, flow_run_id: uuid.UUID | str, key: str, value: str, sender: str | None = None
    ) -> None:
        """Store ``value`` for the flow run under ``key``.

        Raises:
            InvalidNameError: the key has characters other than lowercase letters, digits
                and dashes.
            ObjectAlreadyExists: the run has an input with that key.
            ObjectNotFound: no flow run has that ID.
        """
        if not _KEY.match(key):
            raise InvalidNameError(
                f"Flow run input key {key!r} must only contain lowercase letters, numbers, "
                f"and dashes, e.g. {key.lower().replace('_', '-')!r}."
            )
        run_id = as_id(flow_run_id)
        now = now_us()
        with self.begin() as conn:
            run = conn.execute(sa.select(t.flow_run.c.id).where(t.flow_run.c.id == run_id))
            if run.first() is None:
                raise not_found("flow run", run_id, "riverrun flow-run ls")
            taken = conn.execute(
                sa.select(t.flow_run_input.c.id).where(
                    t.flow_run_input.c.flow_run_id == run_id, t.flow_run_input.c.key == key
                )
            )
            if taken.first() is not None:
                raise ObjectAlreadyExists(
                    f"Flow run {run_id!r} already has an input with key {key!r}; delete it "
                    "with `delete_flow_run_input` first, or send under another key."
                )
            conn.execute(
                t.flow_run_input.insert().values(
                    id=new_id(),
                    flow_run_id=run_id,
                    key=key,
                    value=value,
                    sender=sender,
                    created=now,
                    updated=now,
                )  # fmt: skip
            )

    def read_flow_run_input(self, flow_run_id: uuid.UUID | str, key: str) -> str:
        """The text stored under ``key`` for the flow run.

        Raises:
            ObjectNotFound: the run has no input with that key (or there is no such run).
        """
        run_id = as_id(flow_run_id)
        query = sa.select(t.flow_run_input.c.value).where(
            t.flow_run_input.c.flow_run_id == run_id, t.flow_run_input.c.key == key
        )
        with self.connect() as conn:
            value = conn.execute(query).scalar()
        if value is None:
            raise _missing(run_id, key)
        return str(value)

    def filter_flow_run_input(
        self,
        flow_run_id: uuid.UUID | str,
        key_prefix: str,
        limit: int,
        exclude_keys: Iterable[str],
    ) -> list[o.FlowRunInput]:
        """The run's inputs whose key starts with ``key_prefix``, oldest first, at most
        ``limit``, leaving out ``exclude_keys``."""
        fri = t.flow_run_input
        query = sa.select(fri).where(
            fri.c.flow_run_id == as_id(flow_run_id),
            fri.c.key.startswith(key_prefix, autoescape=True),
        )
        excluded = list(exclude_keys)
        if excluded:
            query = query.where(fri.c.key.not_in(excluded))
        query = query.order_by(fri.c.created, fri.c.id).limit(limit)
        with self.connect() as conn:
            return [convert.flow_run_input(row) for row in conn.execute(query)]

    def delete_flow_run_input(self, flow_run_id: uuid.UUID | str, key: str) -> None:
        """Delete the flow run's input under ``key``.

        Raises:
            ObjectNotFound: the run has no input with that key (or there is no such run).
        """
        run_id = as_id(flow_run_id)
        with self.begin() as conn:
            done = conn.execute(
                t.flow_run_input.delete().where(
                    t.flow_run_input.c.flow_run_id == run_id, t.flow_run_input.c.key == key
                )
            )
        if done.rowcount == 0:
            raise _missing(run_id, key)
