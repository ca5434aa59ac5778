"""``riverrun artifact``: list, inspect and delete artifacts (Prefect's ``prefect artifact``)."""

from __future__ import annotations

import sys
from typing import Any

import typer

from riverrun._cli._output import OUTPUT_HELP, wants_json

app = typer.Typer(
    help="List, inspect and delete artifacts.", no_args_is_help=True, add_completion=False
)


@app.callback()
def _group() -> None:
    """List, inspect and delete artifacts."""


@app.command("ls")
def ls(
    limit: int = typer.Option(
        100, "--limit", min=1, help="The maximum number of artifacts to return."
    ),
    all_: bool = typer.Option(
        False, "--all", "-a", help="List every version of each artifact, not only the latest."
    ),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (same as -o json)."),
) -> None:
    """List artifacts: the latest version of each key, or with --all every artifact.

    \b
    Examples:
      riverrun artifact ls
      riverrun artifact ls --all -o json
    """
    from riverrun._cli._common import (
        console,
        dump,
        format_time,
        print_json,
        print_table,
        sync_client,
    )
    from riverrun.schemas.sorting import ArtifactCollectionSort, ArtifactSort

    with sync_client() as client:
        artifacts: list[Any]
        if all_:
            artifacts = client.read_artifacts(sort=ArtifactSort.UPDATED_DESC, limit=limit)
        else:
            artifacts = client.read_latest_artifacts(
                sort=ArtifactCollectionSort.UPDATED_DESC, limit=limit
            )
    if wants_json(output, as_json):
        print_json([dump(a) for a in artifacts])
        return
    if not artifacts:
        console().print(
            "No artifacts yet: a flow creates them with riverrun.artifacts.", style="bright_black"
        )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True, style="bright_black")
    table.add_column("Key", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Updated", no_wrap=True)
    for a in artifacts:
        table.add_row(a.id, Text(a.key or ""), a.type or "", format_time(a.updated or a.created))
    print_table(table)


@app.command("inspect")
def inspect(
    key: str = typer.Argument(..., help="The artifact's key."),
    limit: int = typer.Option(
        10, "--limit", min=1, help="The maximum number of artifacts to return."
    ),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (same as -o json)."),
) -> None:
    """View details about an artifact: its versions, newest first.

    \b
    Examples:
      riverrun artifact inspect daily-report
      riverrun artifact inspect daily-report --limit 3 -o json
    """
    from riverrun._cli._common import dump, fail, print_json, sync_client
    from riverrun.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from riverrun.schemas.sorting import ArtifactSort

    with sync_client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.UPDATED_DESC,
            limit=limit,
        )
    if not artifacts:
        fail(f"Artifact {key!r} not found.")
    data = [dump(a) for a in artifacts]
    if wants_json(output, as_json):
        print_json(data)
        return
    from rich.pretty import Pretty

    from riverrun._cli._common import console

    console().print(Pretty(data))


def _confirm(question: str) -> None:
    # As Prefect: ask only a person at a terminal; scripts delete without a prompt.
    if sys.stdin.isatty() and not typer.confirm(question, default=False):
        from riverrun._cli._common import fail

        fail("Deletion aborted.")


@app.command("delete")
def delete(
    key: str | None = typer.Argument(None, help="The key of the artifact to delete."),
    artifact_id: str | None = typer.Option(None, "--id", help="The ID of the artifact to delete."),
) -> None:
    """Delete an artifact: every version of a key, or one artifact by --id.

    \b
    Examples:
      riverrun artifact delete daily-report
      riverrun artifact delete --id 01a2...
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.exceptions import ObjectNotFound
    from riverrun.schemas.filters import ArtifactFilter, ArtifactFilterKey

    if key and artifact_id:
        fail("Please provide either a key or an artifact_id but not both.")
    if not key and not artifact_id:
        fail("Please provide a key or an artifact_id.")
    with sync_client() as client:
        if artifact_id is not None:
            _confirm(f"Are you sure you want to delete artifact with id {artifact_id!r}?")
            try:
                client.delete_artifact(artifact_id)
            except (ObjectNotFound, ValueError):
                fail(f"Artifact with id {artifact_id!r} not found!")
            typer.echo(f"Deleted artifact with id {artifact_id!r}.")
            return
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[str(key)]))
        )
        if not artifacts:
            fail(
                f"Artifact with key {key!r} not found. You can also specify an artifact id with the --id flag."
            )
        _confirm(f"Are you sure you want to delete {len(artifacts)} artifact(s) with key {key!r}?")
        for a in artifacts:
            client.delete_artifact(a.id)
    typer.echo(f"Deleted {len(artifacts)} artifact(s) with key {key!r}.")
