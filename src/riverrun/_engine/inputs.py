"""Resolve a task's inputs: futures become their results and record dependency edges."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from riverrun.futures import RiverrunFuture
from riverrun.states import State, StateType
from riverrun.utilities.annotations import allow_failure, opaque, quote


class _Resolution:
    __slots__ = ("inputs", "failure")

    def __init__(self) -> None:
        self.inputs: dict[str, list[dict[str, str]]] = {}
        self.failure: State | None = None


# Types that never hold a future or a state: most task arguments, checked without isinstance.
_PLAIN = frozenset({int, float, str, bool, bytes, type(None)})


def needs_resolution(value: Any) -> bool:
    """Whether ``value`` holds a future, a state or an annotation the engine must resolve."""
    if type(value) in _PLAIN:
        return False
    if isinstance(value, (RiverrunFuture, allow_failure, quote, opaque, State)):
        return True
    if isinstance(value, (list, tuple, set)):
        return any(needs_resolution(v) for v in value)
    if isinstance(value, dict):
        return any(needs_resolution(v) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(needs_resolution(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def _resolve(value: Any, name: str, res: _Resolution, allow: bool) -> Any:
    if isinstance(value, quote):
        return value.unwrap()
    if isinstance(value, allow_failure):
        return _resolve(value.unwrap(), name, res, True)
    if isinstance(value, opaque):
        inner = value.unwrap()
        return (
            _resolve(inner, name, res, allow)
            if isinstance(inner, (RiverrunFuture, State))
            else inner
        )
    if isinstance(value, RiverrunFuture):
        value.wait()
        res.inputs.setdefault(name, []).append(
            {"input_type": "task_run", "id": str(value.task_run_id)}
        )
        return _from_state(value.state, res, allow)
    if isinstance(value, State):
        return _from_state(value, res, allow)
    if isinstance(value, list):
        return [_resolve(v, name, res, allow) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v, name, res, allow) for v in value)
    if isinstance(value, set):
        return {_resolve(v, name, res, allow) for v in value}
    if isinstance(value, dict):
        return {k: _resolve(v, name, res, allow) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A copy with its fields resolved, as Prefect's visit_collection makes.
        changes = {
            f.name: _resolve(getattr(value, f.name), name, res, allow)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


def _from_state(state: State, res: _Resolution, allow: bool) -> Any:
    if state.type is not StateType.COMPLETED and not allow:
        if res.failure is None:
            res.failure = state
        return None
    return state.result(raise_on_failure=False)


def resolve_inputs(
    fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], wait_for: Any = None
) -> tuple[tuple[Any, ...], dict[str, Any], dict[str, list[dict[str, str]]], State | None]:
    """Return args and kwargs with futures resolved, the dependency edges, and any failure."""
    if (
        not wait_for
        and not any(needs_resolution(a) for a in args)
        and not any(needs_resolution(v) for v in kwargs.values())
    ):
        return args, kwargs, {}, None
    res = _Resolution()
    names = _argument_names(fn, len(args))
    new_args = tuple(_resolve(a, names[i], res, False) for i, a in enumerate(args))
    new_kwargs = {k: _resolve(v, k, res, False) for k, v in kwargs.items()}
    if wait_for:
        for item in wait_for if isinstance(wait_for, (list, tuple, set)) else [wait_for]:
            _resolve(item, "wait_for", res, isinstance(item, allow_failure))
    return new_args, new_kwargs, res.inputs, res.failure


def _argument_names(fn: Any, count: int) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(count):
        if i < len(params) and params[i].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            names.append(params[i].name)
        else:
            names.append(params[-1].name if params else f"arg{i}")
    return names


def bind_parameters(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Map arguments to parameter names (for cache keys, run names and records)."""
    try:
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
    except TypeError:
        return dict(kwargs)
    return dict(bound.arguments)
