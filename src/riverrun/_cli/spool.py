"""``riverrun spool``: events recorded while the server was unreachable, waiting on disk."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, help="Show or deliver events waiting for the server.")


@app.command("ls")
def list_spool() -> None:
    """Show how many event batches wait in the spool.

    \b
    Examples:
      riverrun spool ls
    """
    from riverrun._recording.spool import Spool
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    spool = Spool(settings.home / "spool")
    batches = spool.pending()
    if not batches:
        typer.echo(f"The spool is empty ({spool.directory}).")
        return
    typer.echo(
        f"{len(batches)} batch(es), {spool.count_events()} event(s) wait in {spool.directory}."
    )


@app.command()
def flush() -> None:
    """Deliver the spooled events to the server now, in order.

    \b
    Examples:
      riverrun spool flush
    """
    from riverrun._cli._common import fail
    from riverrun._recording.remote import DeliveryError, flush_spool
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    if not settings.api_url:
        fail(
            "No server is configured (RIVERRUN_API_URL is unset), so there is nowhere to "
            "deliver to. Set it with `riverrun config set RIVERRUN_API_URL=...`."
        )
    try:
        delivered, waiting = flush_spool(settings)
    except DeliveryError as exc:
        fail(f"Could not deliver: {exc}. The events stay in the spool; try again later.")
    typer.echo(f"Delivered {delivered} batch(es); {waiting} still waiting.")
    if waiting:
        raise typer.Exit(1)
