"""Variables: named JSON values in the store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas import encoding
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s

_UNSET: Any = object()


def _dump(value: Any) -> str:
    # The one encoder: the same text for a datetime or bytes value as a server stores from a
    # request body (``str`` gave "b'...'" and a space-separated time, remote the ISO form).
    return encoding.dumps(value)


class VariableStoreMixin(StoreBase):
    """Create, read, update and delete variables."""

    def read_variable_by_name(self, name: str) -> o.Variable | None:
        """The variable with that name, or None (as Prefect's client returns)."""
        with self.connect() as conn:
            row = conn.execute(sa.select(t.variable).where(t.variable.c.name == name)).first()
        return None if row is None else convert.variable(row)

    def read_variables(
        self,
        variable_filter: f.VariableFilter | None = None,
        sort: s.VariableSort | str | None = None,
        limit: int | None = None,
        offset: int | None = 0,
    ) -> list[o.Variable]:
        """Variables matching the filter, by name by default."""
        query = sa.select(t.variable).where(*fs._all(fs.variable_where(variable_filter)))
        query = query.order_by(*fs.order_by(sort, s.VariableSort.NAME_ASC))
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self.connect() as conn:
            return [convert.variable(r) for r in conn.execute(query)]

    def create_variable(
        self, name: str, value: Any = None, tags: Iterable[str] | None = None
    ) -> o.Variable:
        """Create a variable.

        Raises:
            ObjectAlreadyExists: a variable of that name exists (use ``set_variable``).
        """
        now = now_us()
        values = {"id": new_id(), "name": name, "value": _dump(value),
                  "tags": _dump(list(tags or [])), "created": now, "updated": now}  # fmt: skip
        with self.begin() as conn:
            exists = conn.execute(sa.select(t.variable.c.id).where(t.variable.c.name == name))
            if exists.first() is not None:
                raise ObjectAlreadyExists(
                    f"A variable named {name!r} already exists; update it with "
                    "`update_variable` or `set_variable`."
                )
            conn.execute(t.variable.insert().values(**values))
        found = self.read_variable_by_name(name)
        assert found is not None
        return found

    def update_variable(
        self, name: str, value: Any = _UNSET, tags: Iterable[str] | None = None
    ) -> o.Variable:
        """Change a variable's value and/or tags.

        Raises:
            ObjectNotFound: no variable has that name.
        """
        changes: dict[str, Any] = {"updated": now_us()}
        if value is not _UNSET:
            changes["value"] = _dump(value)
        if tags is not None:
            changes["tags"] = _dump(list(tags))
        with self.begin() as conn:
            done = conn.execute(
                t.variable.update().where(t.variable.c.name == name).values(**changes)
            )
        if done.rowcount == 0:
            raise ObjectNotFound(f"No variable named {name!r}; create it with `create_variable`.")
        found = self.read_variable_by_name(name)
        assert found is not None
        return found

    def set_variable(self, name: str, value: Any, tags: Iterable[str] | None = None) -> o.Variable:
        """Create the variable or overwrite its value (and tags, if given)."""
        try:
            return self.update_variable(name, value, tags)
        except ObjectNotFound:
            try:
                return self.create_variable(name, value, tags)
            except ObjectAlreadyExists:  # created meanwhile by someone else
                return self.update_variable(name, value, tags)

    def delete_variable_by_name(self, name: str) -> None:
        """Delete a variable.

        Raises:
            ObjectNotFound: no variable has that name.
        """
        with self.begin() as conn:
            done = conn.execute(t.variable.delete().where(t.variable.c.name == name))
        if done.rowcount == 0:
            raise ObjectNotFound(f"No variable named {name!r}; `riverrun variable ls` lists them.")
