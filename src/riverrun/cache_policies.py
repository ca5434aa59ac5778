"""Cache policies: how a task run's cache key is computed, combinable with ``+`` and ``-``.

``DEFAULT = INPUTS + TASK_SOURCE + RUN_ID``. A policy returns None when it cannot (or should
not) produce a key, and the task then runs uncached.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class CachePolicyWarning(UserWarning):
    """A cache key could not be computed; the task runs uncached."""


class UnhashableInput(Exception):
    """Raised (after one warning) when an input cannot be hashed; the task runs uncached."""


@dataclass
class CachePolicy:
    """Base class of cache policies."""

    def compute_key(
        self,
        task_ctx: Any,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        raise NotImplementedError

    # Where keys are stored and how concurrent runs of one key are isolated (Prefect's
    # ``configure``); class attributes, not dataclass fields, so subclasses keep their fields.
    key_storage: Any = None
    isolation_level: Any = None
    lock_manager: Any = None

    def configure(
        self, key_storage: Any = None, lock_manager: Any = None, isolation_level: Any = None
    ) -> CachePolicy:
        """A copy of this policy with its key storage, lock manager or isolation level set."""
        new = copy.copy(self)
        for name, value in (
            ("key_storage", key_storage),
            ("lock_manager", lock_manager),
            ("isolation_level", isolation_level),
        ):
            if value is not None:
                object.__setattr__(new, name, value)
        return new

    def __add__(self, other: CachePolicy) -> CachePolicy:
        if isinstance(other, _None) or isinstance(self, _None):
            return (
                NO_CACHE
                if isinstance(other, _None) and isinstance(self, _None)
                else (self if isinstance(other, _None) else other)
            )
        return CompoundCachePolicy(policies=[*_flatten(self), *_flatten(other)])

    def __sub__(self, other: str) -> CachePolicy:
        if not isinstance(other, str):
            raise TypeError("Only a parameter name (str) can be subtracted from a cache policy.")
        return CompoundCachePolicy(policies=[_subtract(p, other) for p in _flatten(self)])


def _flatten(policy: CachePolicy) -> list[CachePolicy]:
    return list(policy.policies) if isinstance(policy, CompoundCachePolicy) else [policy]


def _subtract(policy: CachePolicy, name: str) -> CachePolicy:
    if isinstance(policy, Inputs):
        return Inputs(exclude=[*policy.exclude, name])
    return policy


@dataclass
class CompoundCachePolicy(CachePolicy):
    """Several policies whose keys are hashed together."""

    policies: list[CachePolicy] = field(default_factory=list)

    def compute_key(
        self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        keys = []
        for policy in self.policies:
            key = policy.compute_key(task_ctx, inputs, flow_parameters, **kwargs)
            if key is not None:
                keys.append(key)
        if not keys:
            return None
        return hash_text("|".join(keys))


@dataclass
class _None(CachePolicy):
    """Never cache."""

    def compute_key(
        self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        return None


@dataclass
class Inputs(CachePolicy):
    """Key on the task's inputs (minus any excluded by name)."""

    exclude: list[str] = field(default_factory=list)

    def compute_key(
        self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        hashed = {}
        for name, value in sorted(inputs.items()):
            if name in self.exclude:
                continue
            digest = hash_object(value)
            if digest is None:
                task_name = getattr(getattr(task_ctx, "task", None), "name", "task")
                warnings.warn(
                    f"Input {name!r} of task {task_name!r} cannot be hashed for caching "
                    f"(type {type(value).__name__}); the task runs uncached. Exclude it with "
                    f"cache_policy=INPUTS - {name!r} or pass a cache_key_fn.",
                    CachePolicyWarning,
                    stacklevel=2,
                )
                raise UnhashableInput(name)
            hashed[name] = digest
        return hash_text(json.dumps(hashed, sort_keys=True))


@dataclass
class TaskSource(CachePolicy):
    """Key on the task function's source code."""

    def compute_key(
        self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        fn = getattr(getattr(task_ctx, "task", None), "fn", None)
        if fn is None:
            return None
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            code = getattr(fn, "__code__", None)
            source = repr(code.co_code) if code is not None else repr(fn)
        return hash_text(source)


@dataclass
class RunId(CachePolicy):
    """Key on the flow run ID: cache within one flow run only."""

    def compute_key(
        self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        info = getattr(task_ctx, "info", None)
        run_id = getattr(info, "flow_run_id", None) or getattr(info, "id", None)
        return str(run_id) if run_id else None


@dataclass
class FlowParameters(CachePolicy):
    """Key on the parameters of the enclosing flow run."""

    def compute_key(
        self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        digest = hash_object(flow_parameters)
        return digest


@dataclass
class CacheKeyFnPolicy(CachePolicy):
    """Key computed by a user's ``cache_key_fn(context, parameters)``."""

    cache_key_fn: Callable[..., str | None] | None = None

    def compute_key(
        self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        if self.cache_key_fn is None:
            return None
        return self.cache_key_fn(task_ctx, inputs)


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def hash_object(value: Any) -> str | None:
    """A stable hash of a value: JSON when possible, else cloudpickle; None if neither works."""
    try:
        return hash_text(json.dumps(value, sort_keys=True, default=_json_default))
    except (TypeError, ValueError):
        pass
    try:
        import cloudpickle

        return hashlib.sha256(cloudpickle.dumps(value)).hexdigest()[:32]
    except Exception:  # noqa: BLE001 - anything unpicklable is unhashable for us
        return None


def _json_default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(type(value).__name__)


INPUTS = Inputs()
TASK_SOURCE = TaskSource()
RUN_ID = RunId()
FLOW_PARAMETERS = FlowParameters()
NO_CACHE = _None()
NONE = NO_CACHE  # Prefect's other name for it (the engine checks it by identity)
DEFAULT = INPUTS + TASK_SOURCE + RUN_ID

__all__ = [
    "DEFAULT",
    "FLOW_PARAMETERS",
    "INPUTS",
    "NONE",
    "NO_CACHE",
    "RUN_ID",
    "TASK_SOURCE",
    "CacheKeyFnPolicy",
    "CachePolicy",
    "CachePolicyWarning",
    "CompoundCachePolicy",
    "FlowParameters",
    "Inputs",
    "RunId",
    "TaskSource",
]
