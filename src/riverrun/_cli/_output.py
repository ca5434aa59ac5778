"""Prefect's ``--output/-o json`` option, beside riverrun's ``--json``."""

from __future__ import annotations

OUTPUT_HELP = "Specify an output format. Currently supports: json"


def wants_json(output: str | None, as_json: bool = False) -> bool:
    """Whether ``-o/--output`` (Prefect's spelling) or ``--json`` asks for JSON.

    Raises:
        typer.BadParameter: an output format other than json.
    """
    if output is None:
        return as_json
    if output.lower() != "json":
        import typer

        raise typer.BadParameter(
            f"Unsupported output format {output!r}: only 'json' is supported.",
            param_hint="'--output'",
        )
    return True
