"""Schema objects built from values the engine already trusts, without validation.

``Model.model_construct(**values)`` skips validation but still walks every field and, for
each default factory, inspects the factory's signature: about 100 µs for a ``FlowRun``,
more than the rest of starting a flow run. The engine hands out such snapshots on every
``get_run_context().flow_run``, so it builds them here from a per-class template instead.
The result is the same object ``model_construct`` would build (tests/test_trusted_models.py
compares the two on every model the engine snapshots).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_MISSING = object()
_set_attribute = object.__setattr__


class _Template:
    __slots__ = ("defaults", "factories", "required", "extra", "plain")

    def __init__(self, cls: type[BaseModel]) -> None:
        self.defaults: dict[str, Any] = {}
        self.factories: list[tuple[str, Callable[[], Any]]] = []
        required: set[str] = set()
        for name, field in cls.model_fields.items():
            if field.is_required():
                required.add(name)
                self.defaults[name] = _MISSING
            elif field.default_factory is not None:
                self.factories.append((name, field.default_factory))  # type: ignore[arg-type]
                self.defaults[name] = _MISSING
            else:
                self.defaults[name] = field.default
        self.required = frozenset(required)
        self.extra: dict[str, Any] | None = {} if cls.model_config.get("extra") == "allow" else None
        # Private attributes and post-init hooks need pydantic's own construction.
        self.plain = not cls.__private_attributes__ and cls.__pydantic_post_init__ is None


_templates: dict[type[BaseModel], _Template] = {}


def trusted(cls: type[M], **values: Any) -> M:
    """``cls.model_construct(**values)``, at a fraction of the cost.

    ``values`` must hold only fields of ``cls`` and already have the fields' types.
    """
    template = _templates.get(cls)
    if template is None:
        template = _templates[cls] = _Template(cls)
    if not template.plain or not template.required <= values.keys():
        return cls.model_construct(**values)
    data = template.defaults.copy()
    data.update(values)
    for name, factory in template.factories:
        if name not in values:
            data[name] = factory()
    model = cls.__new__(cls)
    _set_attribute(model, "__dict__", data)
    _set_attribute(model, "__pydantic_fields_set__", set(values))
    _set_attribute(model, "__pydantic_extra__", None if template.extra is None else {})
    _set_attribute(model, "__pydantic_private__", None)
    return model
