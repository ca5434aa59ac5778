"""Variables: query, read, create, update, set, delete (by name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional, Protocol

from pydantic import JsonValue

from riverrun._api.operation import UNSET, operation
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s


class VariablesAPI(Protocol):
    """The variable operations. The clients' Prefect-shaped methods (taking
    ``VariableCreate`` / ``VariableUpdate``) are written by hand over these."""

    @operation("GET", "/variables/name/{name:path}")
    def read_variable_by_name(self, name: str) -> Optional[o.Variable]:
        """The variable with that name, or None."""
        ...

    @operation("POST", "/variables/filter", client=False)
    def read_variables(
        self,
        variable_filter: Optional[f.VariableFilter] = None,
        sort: Optional[s.VariableSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.Variable]:
        """Variables matching the filter, by name by default."""
        ...

    @operation("POST", "/variables/", status_code=201, client=False)
    def create_variable(
        self, name: str, value: JsonValue = None, tags: Optional[Iterable[str]] = None
    ) -> o.Variable:
        """Create a variable; raises ``ObjectAlreadyExists`` if the name is taken."""
        ...

    @operation("PATCH", "/variables/name/{name:path}", client=False)
    def update_variable(
        self, name: str, value: JsonValue = UNSET, tags: Optional[Iterable[str]] = None
    ) -> o.Variable:
        """Change a variable's value and/or tags; raises ``ObjectNotFound``."""
        ...

    @operation("PUT", "/variables/name/{name:path}", client=False)
    def set_variable(
        self, name: str, value: JsonValue, tags: Optional[Iterable[str]] = None
    ) -> o.Variable:
        """Create the variable or overwrite its value (and tags, if given)."""
        ...

    @operation("DELETE", "/variables/name/{name:path}", status_code=204)
    def delete_variable_by_name(self, name: str) -> None:
        """Delete a variable; raises ``ObjectNotFound``."""
        ...
