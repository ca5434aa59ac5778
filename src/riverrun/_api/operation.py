"""``@operation``: how one operation of the table travels over HTTP, and reading it back."""

from __future__ import annotations

import inspect
import re
import typing
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar, Union

HttpMethod = Literal["GET", "POST", "PATCH", "PUT", "DELETE"]

Id = Union[uuid.UUID, str]
"""A run, flow, deployment or block ID: a UUID or its text."""


class _Unset:
    """The default of a parameter whose absence means "leave it as it is" (not ``None``)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: typing.Any = _Unset()

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Route:
    """How an operation is reached over HTTP.

    Attributes:
        method: the HTTP method.
        path: under ``/api``, with ``{param}`` (or ``{param:path}``) for path parameters named
            like the operation's parameters.
        body: the one parameter that is the whole request body (a model); by default every
            parameter not in the path forms the body of a POST/PATCH/PUT, or the query of a
            GET/DELETE.
        status_code: the answer's status when the operation succeeds.
        rejected_status: the status to answer with when the result is an orchestration result
            that was not accepted (its body still carries the result).
        client: whether the clients get a generated method of the same name and signature (no
            when the Prefect client's method has another shape and is written by hand).
    """

    method: HttpMethod
    path: str
    body: str | None = None
    status_code: int = 200
    rejected_status: int | None = None
    client: bool = True

    @property
    def path_params(self) -> tuple[str, ...]:
        """The names of the parameters taken from the path, in order."""
        return tuple(m.group(1) for m in _PATH_PARAM.finditer(self.path))

    def url_path(self, values: dict[str, str]) -> str:
        """The path with its parameters filled in (already quoted by the caller)."""
        return _PATH_PARAM.sub(lambda m: values[m.group(1)], self.path)


_PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def operation(
    method: HttpMethod,
    path: str,
    *,
    body: str | None = None,
    status_code: int = 200,
    rejected_status: int | None = None,
    client: bool = True,
) -> Callable[[F], F]:
    """Mark a method of a resource protocol as an operation reached at ``METHOD path``."""
    route = Route(method, path, body, status_code, rejected_status, client)

    def mark(func: F) -> F:
        func.__riverrun_route__ = route  # type: ignore[attr-defined]
        return func

    return mark


@dataclass(frozen=True)
class Operation:
    """One operation: its name (the store's, the backends' and the clients' method name), its
    route, its signature with resolved annotations, and what it returns."""

    name: str
    route: Route
    signature: inspect.Signature
    return_type: object
    doc: str
    resource: str

    @property
    def parameters(self) -> list[inspect.Parameter]:
        """The operation's parameters, without ``self``."""
        return [p for p in self.signature.parameters.values() if p.name != "self"]


def operations_of(resource: type) -> list[Operation]:
    """The operations a resource protocol declares, in the order they are written."""
    found = []
    for name, func in vars(resource).items():
        route = getattr(func, "__riverrun_route__", None)
        if route is None:
            continue
        hints = typing.get_type_hints(func)
        signature = inspect.signature(func)
        params = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in signature.parameters.values()
        ]
        resolved = signature.replace(parameters=params, return_annotation=hints.get("return"))
        missing = [p for p in route.path_params if p not in signature.parameters]
        if missing:
            raise TypeError(f"{resource.__name__}.{name}: path names {missing}, not parameters")
        found.append(Operation(name, route, resolved, hints.get("return"),
                               inspect.getdoc(func) or "", resource.__name__))  # fmt: skip
    return found


def wire_type(annotation: object) -> object:
    """The type a parameter has on the wire: an ``Iterable[X]`` travels as ``list[X]``."""
    origin = typing.get_origin(annotation)
    if origin is Iterable:
        (item,) = typing.get_args(annotation)
        return list[item]  # type: ignore[valid-type]
    if origin is Union:
        return Union[tuple(wire_type(a) for a in typing.get_args(annotation))]  # noqa: UP007
    return annotation
