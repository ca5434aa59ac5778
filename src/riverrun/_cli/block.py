"""``riverrun block``: list, inspect, create, delete and register blocks (secrets masked)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from riverrun._cli._output import OUTPUT_HELP, wants_json

if TYPE_CHECKING:
    from riverrun.blocks.core import Block
    from riverrun.schemas.blocks import BlockDocument, BlockSchema

app = typer.Typer(
    help="Create, list and inspect blocks.", no_args_is_help=True, add_completion=False
)
type_app = typer.Typer(help="List block types.", no_args_is_help=True, add_completion=False)
app.add_typer(type_app, name="type")


@app.callback()
def _group() -> None:
    """Create, list and inspect blocks: typed, stored configuration and secrets."""


@type_app.callback()
def _type_group() -> None:
    """List block types."""


def _split_ref(ref: str) -> tuple[str, str]:
    from riverrun._cli._common import fail

    slug, sep, name = ref.partition("/")
    if not sep or not slug or not name:
        fail(
            f"Expected TYPE-SLUG/NAME (e.g. slack-webhook/slack), got {ref!r}; `riverrun block ls` lists them."
        )
    return slug, name


def _doc_json(doc: BlockDocument) -> dict[str, Any]:
    return {
        "id": doc.id,
        "name": doc.name,
        "block_type_slug": doc.block_type.slug if doc.block_type else None,
        "block_type_name": doc.block_type_name,
        "data": doc.data,
        "secret_fields": doc.block_schema.secret_fields if doc.block_schema else [],
        "block_schema_checksum": doc.block_schema.checksum if doc.block_schema else None,
        "created": doc.created.isoformat() if doc.created else None,
        "updated": doc.updated.isoformat() if doc.updated else None,
    }


@app.command("ls")
def ls(
    block_type: Optional[str] = typer.Option(
        None, "--type", "-t", help="Only blocks of this type slug."
    ),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (secrets masked)."),
) -> None:
    """List saved blocks, secrets masked.

    \b
    Examples:
      riverrun block ls
      riverrun block ls --type secret --json
    """
    as_json = wants_json(output, as_json)
    from riverrun._cli._common import console, format_time, print_json, print_table, sync_client

    with sync_client() as client:
        docs = client.read_block_documents(block_schema_type=block_type, include_secrets=False)
    docs = [d for d in docs if not d.is_anonymous]
    if as_json:
        print_json([_doc_json(d) for d in docs])
        return
    out = console()
    if not docs:
        out.print(
            "No blocks saved yet: save one with `MyBlock(...).save(NAME)` or "
            "`riverrun block create TYPE-SLUG`.",
            style="bright_black",
        )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    # Identifiers are never cut (`block inspect` needs all of them); the type name wraps.
    table.add_column("Block (slug/name)", no_wrap=True)
    table.add_column("Type")
    table.add_column("ID", no_wrap=True, style="bright_black")
    table.add_column("Updated", no_wrap=True)
    for doc in docs:
        slug = doc.block_type.slug if doc.block_type else "?"
        table.add_row(
            Text(f"{slug}/{doc.name}"),
            Text(doc.block_type_name or ""),
            doc.id,
            format_time(doc.updated),
        )
    print_table(table)


@type_app.command("ls")
def type_ls(
    output: Optional[str] = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List registered block types (a type is registered when a block of it is first saved).

    \b
    Examples:
      riverrun block type ls
    """
    as_json = wants_json(output, as_json)
    from riverrun._cli._common import console, dump, print_json, print_table, sync_client

    with sync_client() as client:
        types = client.read_block_types()
    if as_json:
        print_json([dump(t) for t in types])
        return
    out = console()
    if not types:
        out.print(
            "No block types registered yet: save a block, or `riverrun block register -m MODULE`.",
            style="bright_black",
        )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Slug", no_wrap=True)
    table.add_column("Name")
    table.add_column("Description")
    for t in types:
        table.add_row(Text(t.slug), Text(t.name), Text((t.description or "").split("\n", 1)[0]))
    print_table(table)


@app.command("inspect")
def inspect_(
    ref: str = typer.Argument(
        ..., metavar="SLUG/NAME", help="The block, e.g. slack-webhook/slack."
    ),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (secrets masked)."),
) -> None:
    """Show a saved block's fields, secrets masked.

    \b
    Examples:
      riverrun block inspect slack-webhook/slack
    """
    as_json = wants_json(output, as_json)
    from riverrun._cli._common import console, format_time, print_json, sync_client

    slug, name = _split_ref(ref)
    with sync_client() as client:
        doc = client.read_block_document_by_name(name, slug, include_secrets=False)
    if as_json:
        print_json(_doc_json(doc))
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.print(Text(f"{slug}/{doc.name}", style="bold"), Text(f"({doc.block_type_name})"))
    out.print(Text(f"id {doc.id}  updated {format_time(doc.updated)}", style="bright_black"))
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Field", no_wrap=True)
    table.add_column("Value", overflow="fold")
    for key, value in doc.data.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        table.add_row(Text(key), Text(shown))
    out.print(table)


@app.command("delete")
def delete(
    ref: str = typer.Argument(
        ..., metavar="SLUG/NAME", help="The block, e.g. slack-webhook/slack."
    ),
) -> None:
    """Delete a saved block.

    \b
    Examples:
      riverrun block delete slack-webhook/slack
    """
    from riverrun._cli._common import sync_client

    slug, name = _split_ref(ref)
    with sync_client() as client:
        doc = client.read_block_document_by_name(name, slug, include_secrets=False)
        client.delete_block_document(doc.id)
    typer.echo(f"Deleted block {slug}/{name}.")


@app.command("create")
def create(
    slug: str = typer.Argument(
        ..., metavar="TYPE-SLUG", help="The block type, e.g. slack-webhook."
    ),
    name: Optional[str] = typer.Option(
        None, "--name", "-n", help="The block's name (prompted if not given)."
    ),
    values: Optional[str] = typer.Option(
        None,
        "--json",
        help='Field values as JSON, e.g. \'{"url": "https://..."}\'; missing required fields are prompted for.',
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a block of that name."),
) -> None:
    """Save a block of a type, prompting for each field (secret fields without echo).

    \b
    Examples:
      riverrun block create secret --name db-password
      riverrun block create slack-webhook --name slack --json '{"url": "https://..."}'
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.blocks.core import Block, UnknownBlockType

    data: dict[str, Any] = {}
    if values:
        try:
            data = json.loads(values)
        except ValueError as exc:
            fail(f"--json is not valid JSON ({exc}).")
        if not isinstance(data, dict):
            fail('--json must be an object of field values, e.g. \'{"url": "https://..."}\'.')
    block_cls: type[Block] | None
    try:
        block_cls = Block.get_block_class_from_key(slug)
    except UnknownBlockType:
        block_cls = None
    with sync_client() as client:
        schema = _schema_for(client, slug, block_cls)
        if name is None:
            name = typer.prompt("Block name")
        required = set(schema.fields.get("required", []))
        properties = schema.fields.get("properties", {})
        # Required fields first: the optional ones (timeouts, retries) can keep defaults.
        for field in sorted(properties, key=lambda f: f not in required):
            # With --json, only missing required fields are asked for (scripts stay quiet).
            if field not in data and (values is None or field in required):
                value = _prompt_field(field, properties[field], field in required)
                if value is not _SKIP:
                    data[field] = value
        if block_cls is not None:
            from pydantic import ValidationError

            try:
                block = block_cls.model_validate(data)
            except ValidationError as exc:
                fail(_validation_summary(exc))
            block.save(name, overwrite=overwrite, client=client)
        else:
            from riverrun.schemas.blocks import BlockDocumentCreate

            client.create_block_document(
                BlockDocumentCreate(
                    name=name,
                    data=data,
                    block_schema_id=schema.id,
                    block_type_id=schema.block_type_id,
                ),
                overwrite=overwrite,
            )
    generic = f"Block.load({f'{slug}/{name}'!r})"
    # The guide's form (SlackWebhook.load("slack")) when the block's class is known.
    how = generic if block_cls is None else f"{block_cls.__name__}.load({name!r}) or {generic}"
    typer.echo(f"Saved block {slug}/{name}. Load it with {how}.")


_SKIP = object()


def _schema_for(client: Any, slug: str, block_cls: type[Block] | None) -> BlockSchema:
    """The schema to prompt with: the class's own, or the newest one the store has."""
    from riverrun.schemas.blocks import BlockSchema

    if block_cls is not None:
        fields = block_cls.model_json_schema()
        return BlockSchema(id="", checksum="", fields=fields, block_type_id="")
    block_type = client.read_block_type_by_slug(slug)
    schemas = [s for s in client.read_block_schemas() if s.block_type_id == block_type.id]
    if not schemas:
        from riverrun._cli._common import fail

        fail(
            f"Block type {slug!r} has no schema registered; `riverrun block register -m MODULE` registers it."
        )
    return schemas[0]


def _prompt_field(field: str, spec: dict[str, Any], required: bool) -> Any:
    title = spec.get("title") or field
    description = spec.get("description")
    label = f"{title} ({description})" if description else title
    secret = spec.get("format") == "password" or spec.get("secret") is True
    kind = spec.get("type")
    has_default = "default" in spec
    if kind == "boolean":
        return typer.confirm(label, default=bool(spec.get("default", False)))
    default: Any = None
    if has_default:
        default = (
            spec["default"]
            if kind in ("string", "integer", "number")
            else json.dumps(spec["default"])
        )
        if secret:
            default = None
    elif not required:
        default = ""
    raw = typer.prompt(label, default=default, hide_input=secret, show_default=not secret)
    if raw == "" and not required:
        return _SKIP
    if has_default and raw == default:
        return _SKIP
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "string" or secret:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _validation_summary(exc: Any) -> str:
    problems = "; ".join(
        f"field {'.'.join(str(p) for p in e.get('loc', ())) or '(block)'!r}: {e.get('msg')}"
        for e in exc.errors()
    )
    return f"The values do not fit the block type: {problems}. Fix them and try again."


@app.command("register")
def register(
    module: Optional[str] = typer.Option(
        None, "--module", "-m", help="Python module whose block types to register."
    ),
    file: Optional[Path] = typer.Option(
        None, "--file", "-f", help="Python file whose block types to register."
    ),
) -> None:
    """Register the block types a module or file defines, so they can be created and listed.

    \b
    Examples:
      riverrun block register -m my_project.blocks
      riverrun block register -f blocks.py
    """
    import importlib
    import importlib.util
    import sys

    from riverrun._cli._common import fail, print_table, sync_client
    from riverrun.blocks.core import Block

    if (module is None) == (file is None):
        fail("Give exactly one of --module/-m MODULE or --file/-f FILE.")
    if module is not None:
        try:
            loaded = importlib.import_module(module)
        except ImportError as exc:
            fail(f"Cannot import module {module!r} ({exc}); is it installed or on PYTHONPATH?")
    else:
        assert file is not None
        if not file.is_file():
            fail(f"No such file: {file}.")
        spec = importlib.util.spec_from_file_location(f"_riverrun_blocks_{file.stem}", file)
        if spec is None or spec.loader is None:
            fail(f"Cannot load {file} as a Python file.")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = loaded
        spec.loader.exec_module(loaded)
    found = [
        value
        for value in vars(loaded).values()
        if Block.is_block_class(value)
        and value.__module__ == loaded.__name__
        and not value.is_block_interface()
    ]
    if not found:
        fail(f"{module or file} defines no Block subclasses.")
    with sync_client() as client:
        for cls in found:
            cls.register_type_and_schema(client=client)
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Registered type")
    table.add_column("Slug", no_wrap=True)
    for cls in found:
        table.add_row(Text(cls.get_block_type_name()), Text(cls.get_block_type_slug()))
    print_table(table)
    typer.echo(
        f"Registered {len(found)} block type(s); `riverrun block create SLUG` makes a block."
    )
