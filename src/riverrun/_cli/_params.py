"""Option values that are already what typer would make of them, passed through as they are.

typer (0.29) coerces every parameter's value, given or default, through a pydantic
``TypeAdapter`` built on first use; building the first one imports pydantic. The root's
``--profile`` alone made ``riverrun version`` import pydantic (~0.15 s of CPU of its 0.26 s)
to turn ``None`` into ``None``. ``QuickCoercion`` answers the values whose result is known
without pydantic: ``None``, a ``str`` for a ``str``, an in-range ``int`` or ``float`` of
exactly that type (a default), a plain decimal ``str`` for an ``int`` (``--limit 5``: the
first pydantic validator built loads pydantic's plugin machinery, ~110 M instructions), a
list or tuple of ``str`` for a ``list[str]``. Any other
value (``"5"`` for an ``int``, a choice, a path, a custom parser) goes to typer's own
coercion, built then, so the results and the error messages are typer's
(``tests/cli/test_params.py`` compares the two on every parameter of every command).
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

_UNKNOWN = object()


def _plain(annotation: Any) -> Any:
    """``X`` for ``X | None`` / ``Optional[X]``, else ``annotation``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


class QuickCoercion:
    """A typer runtime parameter that builds typer's own coercion only for values that need it.

    Args:
        descriptor: the parameter's ``type_descriptor`` (typer's resolved annotation).
    """

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self._full: Any = None
        info = descriptor.parameter_info
        custom = getattr(info, "parser", None) is not None or getattr(info, "click_type", None)
        self._annotation = (
            _UNKNOWN if custom or descriptor.file_annotation else descriptor.annotation
        )

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """The value typer's coercion would return; built and asked only when not known."""
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None  # as typer's RuntimeParam.coerce
        known = self._known(value, multi)
        if known is not _UNKNOWN:
            return known
        if self._full is None:
            from typer._coercion import build_runtime_param

            self._full = build_runtime_param(self.descriptor)
        return self._full.coerce(value, param=param, ctx=ctx)

    def _known(self, value: Any, multi: bool) -> Any:
        annotation = _plain(self._annotation)
        if multi:
            if get_origin(annotation) is list and _plain(get_args(annotation)[0]) is str:
                if isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
                    return list(value)
            return _UNKNOWN
        if annotation in (str, bool) and type(value) is annotation:
            return value
        if annotation is int and type(value) is str and value.isascii() and value.isdigit():
            value = int(value)
        if annotation in (int, float) and type(value) is annotation:
            info = self.descriptor.parameter_info
            if (info.min is None or value >= info.min) and (info.max is None or value <= info.max):
                return value
        return _UNKNOWN


def installed(param: Any) -> Any:
    """``param`` (or None) after ``install``."""
    if param is not None:
        install(param)
    return param


def install(param: Any) -> None:
    """Give a typer parameter the quick coercion (a no-op on a typer without runtime params)."""
    if getattr(param, "_runtime_param", _UNKNOWN) is None and hasattr(param, "type_descriptor"):
        param._runtime_param = QuickCoercion(param.type_descriptor)
