"""``Block``: typed, stored configuration. Subclass it, save an instance by name, load it anywhere.

Example::

    from riverrun.blocks.core import Block
    from pydantic import SecretStr

    class Warehouse(Block):
        host: str
        password: SecretStr

    Warehouse(host="db.internal", password="hunter2").save("prod")
    Warehouse.load("prod").password.get_secret_value()

A block type is registered (with a schema: the JSON schema of its fields, versioned by
checksum) the first time one of its blocks is saved. Blocks never touch SQL: everything goes
through the client (``riverrun.client``), which talks to the embedded store or a server.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PrivateAttr, SecretBytes, SecretStr, ValidationError
from pydantic.types import Secret

from riverrun.exceptions import InvalidNameError, RiverrunException
from riverrun.schemas.blocks import (
    DEFAULT_BLOCK_SCHEMA_VERSION,
    OBFUSCATED,
    BlockDocument,
    BlockDocumentCreate,
    BlockSchema,
    BlockSchemaCreate,
    BlockTypeCreate,
    schema_checksum,
)
from riverrun.utilities.asyncutils import async_dispatch

if TYPE_CHECKING:
    from typing_extensions import Self

B = TypeVar("B", bound="Block")

#: Built-in block types, by slug, and the module that defines each; imported on demand so
#: that ``Block.load("slack-webhook/x")`` works before anyone imported the notifications.
BUILTIN_BLOCK_MODULES: dict[str, str] = {
    "secret": "riverrun.blocks.system",
    "string": "riverrun.blocks.system",
    "json": "riverrun.blocks.system",
    "date-time": "riverrun.blocks.system",
    "slack-webhook": "riverrun.blocks.notifications",
    "ms-teams-webhook": "riverrun.blocks.notifications",
    "discord-webhook": "riverrun.blocks.notifications",
    "custom-webhook": "riverrun.blocks.notifications",
    "email-server-credentials": "riverrun.blocks.notifications",
    "email-notification": "riverrun.blocks.notifications",
    "sendgrid-email": "riverrun.blocks.notifications",
    "apprise": "riverrun.blocks.notifications",
}

_REGISTRY: dict[str, type[Block]] = {}
_FORBIDDEN_NAME_CHARS = set("/%&><")
# Key in a schema's fields naming the class that made it, so another process can import it.
_CLASS_PATH_KEY = "block_class"


class InvalidBlockRegistration(RiverrunException, TypeError):
    """The base ``Block`` or an abstract block interface cannot be saved or registered."""


class UnknownBlockType(RiverrunException, LookupError):
    """No class for a block type slug is known in this process."""


class BlockNotSavedError(RiverrunException, RuntimeError):
    """An operation needs a saved block (e.g. ``block.delete()``) and this one is not."""


class BlockValidationError(RiverrunException, ValueError):
    """A saved block's values no longer validate against its class."""


def slugify(text: str) -> str:
    """Lower-case ``text`` and join its words with dashes (``"Slack Webhook"`` → ``slack-webhook``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _schema_extra(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Add the block metadata (slug, description, secret fields) to a block's JSON schema."""
    if not (isinstance(model, type) and issubclass(model, Block)):
        return
    schema["block_type_slug"] = model.get_block_type_slug()
    description = model.get_description()
    if description:
        schema["description"] = description
    else:
        schema.pop("description", None)
    schema["secret_fields"] = model.secret_fields()
    schema["block_schema_references"] = {}
    module = model.__module__
    if module != "__main__" and "<locals>" not in model.__qualname__:
        schema[_CLASS_PATH_KEY] = f"{module}:{model.__qualname__}"


def _collect_secret_fields(name: str, annotation: Any, out: list[str]) -> None:
    """Append the dotted paths of the secret values under a field of this type."""
    origin = get_origin(annotation)
    if origin is not None and (
        origin in (Union, list, dict, tuple, set) or type(annotation).__name__ == "UnionType"
    ):
        for arg in get_args(annotation):
            _collect_secret_fields(name, arg, out)
        return
    if not inspect.isclass(annotation):
        if origin is not None and inspect.isclass(origin) and issubclass(origin, Secret):
            out.append(name)
        return
    if annotation in (SecretStr, SecretBytes):
        out.append(name)
    elif issubclass(annotation, Secret):
        from riverrun.blocks.fields import SecretDict

        out.append(f"{name}.*" if issubclass(annotation, SecretDict) else name)
    elif issubclass(annotation, BaseModel):
        for sub_name, field in annotation.model_fields.items():
            if _marked_secret(field.json_schema_extra):
                out.append(f"{name}.{sub_name}")
            else:
                _collect_secret_fields(f"{name}.{sub_name}", field.annotation, out)


def _marked_secret(extra: Any) -> bool:
    return isinstance(extra, dict) and extra.get("secret") is True


def _reveal(value: Any) -> Any:
    """Replace every pydantic secret inside a dumped value by what it hides."""
    if isinstance(value, (SecretStr, SecretBytes, Secret)):
        return _reveal(value.get_secret_value())
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_reveal(v) for v in value]
    return value


class _ClassOrInstanceMethod:
    """A method that is one function on the class and another on an instance.

    ``SlackWebhook.delete("slack")`` deletes by name; ``block.delete()`` deletes that block.
    """

    def __init__(self, on_class: Callable[..., Any], on_instance: Callable[..., Any]) -> None:
        self._on_class = on_class
        self._on_instance = on_instance
        self.__doc__ = on_class.__doc__

    def __get__(self, obj: Any, objtype: Any = None) -> Callable[..., Any]:
        if obj is None:
            return lambda *args, **kwargs: self._on_class(objtype, *args, **kwargs)
        return lambda *args, **kwargs: self._on_instance(obj, *args, **kwargs)


@contextmanager
def _sync_client(client: Any = None) -> Iterator[Any]:
    """The client to use: the caller's, or a fresh sync client for the current settings."""
    if client is not None:
        yield client
        return
    from riverrun.client.orchestration import get_client

    with get_client(sync_client=True) as fresh:
        yield fresh


class Block(BaseModel):
    """Base of every block type: a pydantic model that saves to and loads from the store.

    Class attributes a subclass may set: ``_block_type_name`` (default: the class name),
    ``_block_type_slug`` (default: the slugified type name), ``_logo_url``,
    ``_documentation_url``, ``_description`` (default: the docstring's first paragraph),
    ``_code_example``, ``_block_schema_capabilities`` and ``_block_schema_version``.

    Fields typed ``SecretStr``, ``SecretBytes``, ``pydantic.Secret[...]`` or
    ``riverrun.blocks.fields.SecretDict``, or declared with
    ``Field(json_schema_extra={"secret": True})``, are encrypted at rest and masked in every
    listing and repr.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra=_schema_extra,
        ignored_types=(_ClassOrInstanceMethod, async_dispatch),
    )

    _block_type_name: ClassVar[str | None] = None
    _block_type_slug: ClassVar[str | None] = None
    _logo_url: ClassVar[str | None] = None
    _documentation_url: ClassVar[str | None] = None
    _description: ClassVar[str | None] = None
    _code_example: ClassVar[str | None] = None
    _block_schema_capabilities: ClassVar[list[str] | None] = None
    _block_schema_version: ClassVar[str | None] = None
    _block_type_id: ClassVar[str | None] = None
    _block_schema_id: ClassVar[str | None] = None

    _block_document_id: str | None = PrivateAttr(None)
    _block_document_name: str | None = PrivateAttr(None)
    _is_anonymous: bool | None = PrivateAttr(None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.block_initialization()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not cls.is_block_interface():
            # The latest definition wins, so redefining a class in a notebook just works.
            _REGISTRY[cls.get_block_type_slug()] = cls

    def block_initialization(self) -> None:
        """Called after ``__init__``; override to derive attributes from the fields."""

    def __repr_args__(self) -> Any:
        secret = set(self.secret_fields())
        for key, value in super().__repr_args__():
            if key is None or key in type(self).model_fields:
                yield key, OBFUSCATED if key in secret and not isinstance(value, Secret) else value

    def __str__(self) -> str:
        return self.__repr__()

    # -- type metadata -----------------------------------------------------------------

    @classmethod
    def is_block_interface(cls) -> bool:
        """Whether this class is ``Block`` itself or abstract (it cannot be saved)."""
        return cls is Block or inspect.isabstract(cls)

    @classmethod
    def get_block_type_name(cls) -> str:
        """The block type's display name: ``_block_type_name`` or the class name."""
        return cls._block_type_name or cls.__name__

    @classmethod
    def get_block_type_slug(cls) -> str:
        """The block type's slug, its key in the store (``slack-webhook``)."""
        return slugify(cls._block_type_slug or cls.get_block_type_name())

    @classmethod
    def get_block_capabilities(cls) -> frozenset[str]:
        """Capabilities declared by this class and its bases (``notify``, ...)."""
        return frozenset(
            c
            for base in cls.__mro__
            for c in (getattr(base, "_block_schema_capabilities", None) or [])
        )

    @classmethod
    def get_block_schema_version(cls) -> str:
        """The schema version stored alongside the checksum."""
        return cls._block_schema_version or DEFAULT_BLOCK_SCHEMA_VERSION

    @classmethod
    def get_description(cls) -> str | None:
        """``_description``, or the first paragraph of the class docstring."""
        if cls._description is not None:
            return cls._description
        doc = cls.__dict__.get("__doc__")
        if not doc:
            return None
        return inspect.cleandoc(doc).split("\n\n", 1)[0].strip() or None

    @classmethod
    def get_code_example(cls) -> str:
        """``_code_example``, or a generated ``X.load("BLOCK_NAME")`` snippet."""
        if cls._code_example is not None:
            return inspect.cleandoc(cls._code_example)
        var = cls.get_block_type_slug().replace("-", "_") + "_block"
        return (
            f"```python\nfrom {cls.__module__} import {cls.__name__}\n\n"
            f'{var} = {cls.__name__}.load("BLOCK_NAME")\n```'
        )

    @classmethod
    def secret_fields(cls) -> list[str]:
        """Dotted paths of this type's secret values (``"url"``, ``"headers.*"``)."""
        out: list[str] = []
        for name, field in cls.model_fields.items():
            if _marked_secret(field.json_schema_extra):
                out.append(name)
            else:
                _collect_secret_fields(name, field.annotation, out)
        return out

    @classmethod
    def _to_block_type(cls) -> BlockTypeCreate:
        return BlockTypeCreate(
            name=cls.get_block_type_name(),
            slug=cls.get_block_type_slug(),
            logo_url=str(cls._logo_url) if cls._logo_url else None,
            documentation_url=str(cls._documentation_url) if cls._documentation_url else None,
            description=cls.get_description(),
            code_example=cls.get_code_example(),
        )

    @classmethod
    def _to_block_schema(cls, block_type_id: str) -> BlockSchemaCreate:
        fields = cls.model_json_schema()
        return BlockSchemaCreate(
            fields=fields,
            block_type_id=block_type_id,
            capabilities=sorted(cls.get_block_capabilities()),
            version=cls.get_block_schema_version(),
            checksum=schema_checksum(fields),
        )

    @classmethod
    def _calculate_schema_checksum(cls) -> str:
        return schema_checksum(cls.model_json_schema())

    # -- registry ----------------------------------------------------------------------

    @classmethod
    def is_block_class(cls, value: Any) -> bool:
        """Whether ``value`` is a subclass of ``Block``."""
        return inspect.isclass(value) and issubclass(value, Block)

    @classmethod
    def get_block_class_from_key(cls, key: str, schema: BlockSchema | None = None) -> type[Block]:
        """The class of a block type slug: registered in this process, built in, or named by
        the schema it was saved with (and importable here)."""
        found = _REGISTRY.get(key)
        if found is None and key in BUILTIN_BLOCK_MODULES:
            importlib.import_module(BUILTIN_BLOCK_MODULES[key])
            found = _REGISTRY.get(key)
        class_path = (schema.fields.get(_CLASS_PATH_KEY) if schema is not None else None) or ""
        if found is None and ":" in class_path:
            module, _, qualname = class_path.partition(":")
            try:
                importlib.import_module(module)
            except ImportError:
                pass
            found = _REGISTRY.get(key)
        if found is None:
            hint = f" (it was saved by {class_path.replace(':', '.')})" if class_path else ""
            raise UnknownBlockType(
                f"No block class for type {key!r} is known in this process{hint}. Import the "
                "module that defines it before loading, or load through the class itself "
                "(`MyBlock.load('name')`); `riverrun block register -m MODULE` registers a "
                "module's block types with the store."
            )
        return found

    @classmethod
    def get_block_class_from_schema(cls, schema: BlockSchema) -> type[Block]:
        """The class of the block type a schema belongs to."""
        if schema.block_type is None:
            raise UnknownBlockType("The block schema does not say which block type it belongs to.")
        return cls.get_block_class_from_key(schema.block_type.slug, schema)

    # -- registration and persistence --------------------------------------------------

    @classmethod
    def register_type_and_schema(cls, client: Any = None) -> None:
        """Register this block type and the current version of its schema with the store."""
        if cls.is_block_interface():
            raise InvalidBlockRegistration(
                f"{cls.__name__} is the base Block class or an abstract block interface; "
                "only concrete subclasses can be registered or saved."
            )
        with _sync_client(client) as c:
            block_type = c.create_block_type(cls._to_block_type())
            schema = c.create_block_schema(cls._to_block_schema(block_type.id))
        cls._block_type_id = block_type.id
        cls._block_schema_id = schema.id

    @classmethod
    async def aregister_type_and_schema(cls, client: Any = None) -> None:
        """Async twin of ``register_type_and_schema``."""
        await asyncio.to_thread(cls.register_type_and_schema, client)

    def _data_for_save(self) -> dict[str, Any]:
        from pydantic_core import to_jsonable_python

        data = _reveal(self.model_dump(mode="python", by_alias=True))
        return dict(to_jsonable_python(data))

    @async_dispatch("asave")
    def save(
        self, name: str | None = None, overwrite: bool = False, client: Any = None
    ) -> uuid.UUID:
        """Save this block's values under ``name``; return the saved document's id.

        Awaitable in async code (``await block.save("x")``), as in Prefect.

        Args:
            name: The block's name, unique per block type; ``None`` saves an anonymous block.
            overwrite: Replace the values of an existing block with this name.
            client: A sync client to use instead of a fresh one.

        Raises:
            ObjectAlreadyExists (a ``ValueError``): the name is taken and ``overwrite`` is false.
        """
        is_anonymous = name is None and not self._block_document_name
        if name is None:
            name = self._block_document_name
        if name is None:
            from riverrun._internal.ids import new_id

            name = f"anonymous-{new_id()}"
        _check_name(name)
        with _sync_client(client) as c:
            type(self).register_type_and_schema(c)
            cls = type(self)
            assert cls._block_schema_id is not None and cls._block_type_id is not None
            document = c.create_block_document(
                BlockDocumentCreate(
                    name=name,
                    data=self._data_for_save(),
                    block_schema_id=cls._block_schema_id,
                    block_type_id=cls._block_type_id,
                    is_anonymous=is_anonymous,
                ),
                overwrite=overwrite,
                include_secrets=False,
            )
        self._block_document_id = document.id
        self._block_document_name = document.name
        self._is_anonymous = document.is_anonymous
        return uuid.UUID(str(document.id))

    async def asave(
        self, name: str | None = None, overwrite: bool = False, client: Any = None
    ) -> uuid.UUID:
        """Async twin of ``save``."""
        return await asyncio.to_thread(self.save, name, overwrite, client, _sync=True)

    @classmethod
    def _parse_name(cls, name: str) -> tuple[str, str]:
        if cls is Block:
            slug, sep, doc_name = name.partition("/")
            if not sep or not slug or not doc_name:
                raise ValueError(
                    f"Block.load needs 'TYPE-SLUG/NAME' (e.g. 'slack-webhook/slack'), got "
                    f"{name!r}; or load through the type: `SlackWebhook.load({name!r})`."
                )
            return slug, doc_name
        return cls.get_block_type_slug(), name

    @async_dispatch("aload")
    @classmethod
    def load(cls, name: str, validate: bool = True, client: Any = None) -> Self:
        """Load a saved block: ``MyType.load("name")`` or ``Block.load("type-slug/name")``.

        Awaitable in async code (``await Secret.load("x")``), as in Prefect.

        Args:
            name: The block's name (with its type slug in front when called on ``Block``).
            validate: Validate the stored values against the class; ``False`` loads them
                as they are, to rescue a block whose class changed.
            client: A sync client to use instead of a fresh one.

        Raises:
            ObjectNotFound: no such block (the message names the closest ones).
            BlockValidationError: the stored values no longer fit the class.
            UnknownBlockType: ``Block.load`` of a type whose class is not importable here.
        """
        slug, doc_name = cls._parse_name(name)
        with _sync_client(client) as c:
            document = c.read_block_document_by_name(doc_name, slug, include_secrets=True)
        return cls._from_block_document(document, validate=validate)

    @classmethod
    async def aload(cls, name: str, validate: bool = True, client: Any = None) -> Self:
        """Async twin of ``load``."""
        return await asyncio.to_thread(cls.load, name, validate, client, _sync=True)

    @classmethod
    def _from_block_document(cls, document: BlockDocument, validate: bool = True) -> Self:
        block_cls: type[Block] = cls
        if cls is Block:
            if document.block_schema is None:
                raise UnknownBlockType("The block document does not say which schema it has.")
            block_cls = cls.get_block_class_from_schema(document.block_schema)
        if validate:
            try:
                block = block_cls.model_validate(document.data)
            except ValidationError as exc:
                raise _validation_error(block_cls, document, exc) from None
        else:
            block = block_cls.model_construct(**document.data)
        block._block_document_id = document.id
        block._block_document_name = document.name
        block._is_anonymous = document.is_anonymous
        return block  # type: ignore[return-value]

    def _delete_self(self, client: Any = None) -> None:
        if self._block_document_id is None:
            raise BlockNotSavedError(
                f"This {type(self).__name__} was never saved or loaded, so there is nothing to "
                f"delete; to delete a saved one by name use `{type(self).__name__}.delete(NAME)`."
            )
        with _sync_client(client) as c:
            c.delete_block_document(self._block_document_id)
        self._block_document_id = None

    @staticmethod
    def _delete_by_name(cls: type[Block], name: str, client: Any = None) -> None:
        """Delete a saved block: ``MyType.delete("name")``, ``Block.delete("slug/name")``,
        or ``block.delete()`` on a loaded one."""
        slug, doc_name = cls._parse_name(name)
        with _sync_client(client) as c:
            document = c.read_block_document_by_name(doc_name, slug, include_secrets=False)
            c.delete_block_document(document.id)

    @staticmethod
    async def _adelete_by_name(cls: type[Block], name: str, client: Any = None) -> None:
        """Async twin of ``delete``."""
        await asyncio.to_thread(Block._delete_by_name, cls, name, client)

    async def _adelete_self(self, client: Any = None) -> None:
        await asyncio.to_thread(self._delete_self, client)

    if TYPE_CHECKING:

        def delete(self, *args: Any, **kwargs: Any) -> None: ...

        async def adelete(self, *args: Any, **kwargs: Any) -> None: ...

    else:
        delete = _ClassOrInstanceMethod(_delete_by_name, _delete_self)
        adelete = _ClassOrInstanceMethod(_adelete_by_name, _adelete_self)


def _check_name(name: str) -> None:
    bad = sorted(_FORBIDDEN_NAME_CHARS & set(name))
    if not name or bad:
        raise InvalidNameError(
            f"Block name {name!r} is not allowed"
            + (f": it contains {' '.join(bad)}" if bad else ": it is empty")
            + ". Use letters, digits, dashes and underscores (e.g. 'slack-alerts')."
        )


def _validation_error(
    block_cls: type[Block], document: BlockDocument, exc: ValidationError
) -> BlockValidationError:
    slug = document.block_type.slug if document.block_type else block_cls.get_block_type_slug()
    problems = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "(the block)"
        problems.append(f"  - field {field!r}: {err.get('msg')}")
    saved = document.block_schema.checksum if document.block_schema else None
    changed = saved is not None and saved != block_cls._calculate_schema_checksum()
    why = (
        f"was saved with an older version of {block_cls.__name__} and no longer validates"
        if changed
        else "does not validate"
    )
    return BlockValidationError(
        f"Block '{slug}/{document.name}' {why}:\n"
        + "\n".join(problems)
        + f"\nFix: save it again with the current class, e.g. "
        f"`{block_cls.__name__}(...).save({document.name!r}, overwrite=True)` (or "
        f"`riverrun block create {slug} --name {document.name}` after deleting it); "
        f"`{block_cls.__name__}.load({document.name!r}, validate=False)` reads the stored "
        "values as they are."
    )


__all__ = [
    "Block",
    "BlockNotSavedError",
    "BlockValidationError",
    "InvalidBlockRegistration",
    "UnknownBlockType",
    "slugify",
]
