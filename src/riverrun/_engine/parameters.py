"""Flow parameters: bind, validate and coerce with pydantic, and make them JSON-able."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from riverrun.exceptions import ParameterBindError, ParameterTypeError


def bind(
    fn: Callable[..., Any],
    signature: inspect.Signature,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    flow_name: str,
) -> dict[str, Any]:
    """Map the call's arguments to parameter names, with defaults applied."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise ParameterBindError(
            f"Flow {flow_name!r} was called with arguments that do not fit its signature "
            f"{signature}: {exc}."
        ) from None
    bound.apply_defaults()
    return dict(bound.arguments)


class ParameterValidator:
    """Validates and coerces a flow's parameters from its type hints (built on first use)."""

    def __init__(self, fn: Callable[..., Any], flow_name: str) -> None:
        self.fn = fn
        self.flow_name = flow_name
        self._model: Any = None
        sig = inspect.signature(fn)
        self.enabled = any(
            p.annotation is not inspect.Parameter.empty for p in sig.parameters.values()
        )
        self.var_kinds = {
            name: p.kind
            for name, p in sig.parameters.items()
            if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        }

    def validate(self, parameters: dict[str, Any]) -> dict[str, Any]:
        if not self.enabled:
            return parameters
        if self._model is None:
            from riverrun.utilities.callables import build_parameter_model

            self._model = build_parameter_model(self.fn)
        from pydantic import ValidationError

        try:
            model = self._model.model_validate(parameters)
        except ValidationError as exc:
            raise ParameterTypeError.from_validation_error(exc, self.flow_name) from None
        return {name: getattr(model, name) for name in parameters}


def call_arguments(
    signature: inspect.Signature, parameters: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Turn validated parameters back into positional and keyword arguments."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if name not in parameters:
            continue
        value = parameters[name]
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            args.extend(value)
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            kwargs.update(value)
        elif param.kind is inspect.Parameter.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[name] = value
    return tuple(args), kwargs
