"""Serializers for results, as Prefect's ``prefect.serializers``.

A serializer is a small pydantic model with a ``type`` (``"pickle"``, ``"json"``,
``"compressed/pickle"``...) that turns a value into bytes and back. ``Serializer(type="json")``
answers the registered subclass for that type, so a serializer can be rebuilt from the
``type`` stored with a result. The bytes are Prefect's: pickles and compressed blobs are
base64-encoded, JSON is UTF-8 text, so a result written by either system reads in the other.

This module imports pydantic; ``riverrun.results`` does not import it on the hot path.
"""

from __future__ import annotations

import base64
import importlib
import io
from typing import Any, ClassVar, Generic, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

D = TypeVar("D")

_REGISTRY: dict[str, type[Serializer[Any]]] = {}
_TYPE_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _from_qualified_name(name: str) -> Any:
    """The object a dotted name such as ``"json.dumps"`` or ``"cloudpickle"`` names."""
    try:
        return importlib.import_module(name)
    except ImportError:
        module, _, attribute = name.rpartition(".")
        if not module:
            raise
        return getattr(importlib.import_module(module), attribute)


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def riverrun_json_object_encoder(obj: Any) -> Any:
    """Encode what ``json`` cannot: exceptions by type and message, other objects by class."""
    if isinstance(obj, BaseException):
        return {"__exc_type__": _qualified_name(obj.__class__), "message": str(obj)}
    if isinstance(obj, io.IOBase):
        return {
            "__class__": _qualified_name(obj.__class__),
            "data": f"<Riverrun IOStream Placeholder: type={obj.__class__.__name__}, "
            f"repr={obj!r} (original content not read)>",
        }
    cls = obj.__class__
    origin = getattr(cls, "__pydantic_generic_metadata__", {}).get("origin")
    return {
        "__class__": _qualified_name(origin or cls),
        "data": TypeAdapter(Any).dump_python(obj, mode="json"),
    }


def riverrun_json_object_decoder(result: dict[str, Any]) -> Any:
    """Rebuild what ``riverrun_json_object_encoder`` wrote; other dicts stay dicts."""
    if "__class__" in result:
        name = result["__class__"]
        if name not in _TYPE_ADAPTERS:
            try:
                cls = _from_qualified_name(name)
            except (ImportError, AttributeError):
                return result
            _TYPE_ADAPTERS[name] = TypeAdapter(cls)
        return _TYPE_ADAPTERS[name].validate_python(result["data"])
    if "__exc_type__" in result:
        try:
            exc_cls = _from_qualified_name(result["__exc_type__"])
        except (ImportError, AttributeError):
            raise ValueError(f"Invalid exception type: {result['__exc_type__']!r}") from None
        if not (isinstance(exc_cls, type) and issubclass(exc_cls, BaseException)):
            raise ValueError(f"Invalid exception type: {result['__exc_type__']!r}")
        return exc_cls(result["message"])
    return result


# Prefect's names for the two hooks (its JSONSerializer defaults name them by path).
prefect_json_object_encoder = riverrun_json_object_encoder
prefect_json_object_decoder = riverrun_json_object_decoder


def _check_library(value: str, what: str, methods: tuple[str, str]) -> str:
    try:
        library = _from_qualified_name(value)
    except (ImportError, AttributeError):
        raise ValueError(f"Failed to import requested {what} library: {value!r}.") from None
    for method in methods:
        if not callable(getattr(library, method, None)):
            raise ValueError(
                f"{what.capitalize()} library at {value!r} does not have a {method!r} method."
            )
    return value


class Serializer(BaseModel, Generic[D]):
    """Turns a value into bytes and back; ``Serializer(type=...)`` picks the subclass."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    type: str

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        default = cls.model_fields["type"].default
        # Generic parametrisations (``PickleSerializer[int]``) share their origin's type.
        if isinstance(default, str) and not getattr(cls, "__pydantic_generic_metadata__", {}).get(
            "origin"
        ):
            _REGISTRY.setdefault(default, cls)

    def __new__(cls, **kwargs: Any) -> Any:
        type_ = kwargs.get("type")
        if type_ and cls is Serializer:
            subclass = _REGISTRY.get(type_)
            if subclass is None:
                raise ValidationError.from_exception_data(
                    title=cls.__name__,
                    line_errors=[
                        {
                            "type": "value_error",
                            "loc": ("type",),
                            "input": type_,
                            "ctx": {
                                "error": ValueError(
                                    f"Unknown serializer type {type_!r}; use one of {sorted(_REGISTRY)}."
                                )
                            },
                        }
                    ],  # fmt: skip
                    input_type="python",
                )
            return super().__new__(subclass)
        return super().__new__(cls)

    def __init__(self, **data: Any) -> None:
        if (
            type(self) is not Serializer
            and data.get("type") == type(self).model_fields["type"].default
        ):
            data.pop("type")
        super().__init__(**data)

    def dumps(self, obj: D) -> bytes:
        """Encode ``obj`` as bytes."""
        raise NotImplementedError

    def loads(self, blob: bytes) -> D:
        """Decode bytes written by ``dumps``."""
        raise NotImplementedError


class UnknownSerializer(Serializer[Any]):
    """A serializer read back whose type this environment does not have."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="allow")

    type: str

    def dumps(self, obj: Any) -> bytes:
        raise RuntimeError(
            f"Serializer {self.type!r} is not available in this environment, so "
            "serialization cannot be performed."
        )

    def loads(self, blob: bytes) -> Any:
        raise RuntimeError(
            f"Serializer {self.type!r} is not available in this environment, so "
            "deserialization cannot be performed."
        )


class PickleSerializer(Serializer[D]):
    """Pickles with ``picklelib`` (cloudpickle by default); the pickle is base64-encoded."""

    type: str = Field(default="pickle", frozen=True)
    picklelib: str = "cloudpickle"
    picklelib_version: Optional[str] = None

    @field_validator("picklelib")
    @classmethod
    def check_picklelib(cls, value: str) -> str:
        return _check_library(value, "pickle", ("dumps", "loads"))

    def dumps(self, obj: D) -> bytes:
        return base64.encodebytes(_from_qualified_name(self.picklelib).dumps(obj))

    def loads(self, blob: bytes) -> D:
        return _from_qualified_name(self.picklelib).loads(base64.decodebytes(blob))  # type: ignore[no-any-return]


class JSONSerializer(Serializer[D]):
    """JSON with ``jsonlib``; objects JSON lacks go through ``object_encoder`` / ``object_decoder``."""

    type: str = Field(default="json", frozen=True)
    jsonlib: str = "json"
    object_encoder: Optional[str] = "riverrun.serializers.riverrun_json_object_encoder"
    object_decoder: Optional[str] = "riverrun.serializers.riverrun_json_object_decoder"
    dumps_kwargs: dict[str, Any] = Field(default_factory=dict)
    loads_kwargs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("dumps_kwargs")
    @classmethod
    def dumps_kwargs_cannot_contain_default(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "default" in value:
            raise ValueError("`default` cannot be provided. Use `object_encoder` instead.")
        return value

    @field_validator("loads_kwargs")
    @classmethod
    def loads_kwargs_cannot_contain_object_hook(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "object_hook" in value:
            raise ValueError("`object_hook` cannot be provided. Use `object_decoder` instead.")
        return value

    def dumps(self, obj: D) -> bytes:
        kwargs = dict(self.dumps_kwargs)
        if self.object_encoder:
            kwargs["default"] = _from_qualified_name(self.object_encoder)
        result = _from_qualified_name(self.jsonlib).dumps(obj, **kwargs)
        return result.encode() if isinstance(result, str) else result  # type: ignore[no-any-return]

    def loads(self, blob: bytes) -> D:
        kwargs = dict(self.loads_kwargs)
        if self.object_decoder:
            kwargs["object_hook"] = _from_qualified_name(self.object_decoder)
        return _from_qualified_name(self.jsonlib).loads(blob.decode(), **kwargs)  # type: ignore[no-any-return]


class CompressedSerializer(Serializer[D]):
    """Another serializer's bytes compressed with ``compressionlib`` (lzma), base64-encoded."""

    type: str = Field(default="compressed", frozen=True)
    serializer: Serializer[D]
    compressionlib: str = "lzma"

    @field_validator("serializer", mode="before")
    @classmethod
    def validate_serializer(cls, value: Union[str, Serializer[D]]) -> Serializer[D]:
        return Serializer(type=value) if isinstance(value, str) else value  # type: ignore[no-any-return]

    @field_validator("compressionlib")
    @classmethod
    def check_compressionlib(cls, value: str) -> str:
        return _check_library(value, "compression", ("compress", "decompress"))

    def dumps(self, obj: D) -> bytes:
        blob = self.serializer.dumps(obj)
        return base64.encodebytes(_from_qualified_name(self.compressionlib).compress(blob))

    def loads(self, blob: bytes) -> D:
        raw = _from_qualified_name(self.compressionlib).decompress(base64.decodebytes(blob))
        return self.serializer.loads(raw)


class CompressedPickleSerializer(CompressedSerializer[D]):
    """Compressed pickles."""

    type: str = Field(default="compressed/pickle", frozen=True)
    serializer: Serializer[D] = Field(default_factory=PickleSerializer)


class CompressedJSONSerializer(CompressedSerializer[D]):
    """Compressed JSON."""

    type: str = Field(default="compressed/json", frozen=True)
    serializer: Serializer[D] = Field(default_factory=JSONSerializer)


__all__ = [
    "CompressedJSONSerializer",
    "CompressedPickleSerializer",
    "CompressedSerializer",
    "JSONSerializer",
    "PickleSerializer",
    "Serializer",
    "UnknownSerializer",
    "prefect_json_object_decoder",
    "prefect_json_object_encoder",
    "riverrun_json_object_decoder",
    "riverrun_json_object_encoder",
]
