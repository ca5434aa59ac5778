"""The ``riverrun`` command: a root group whose sub-commands are imported on first use.

``riverrun --help`` lists every command from the table below without importing any of
them, so it answers before rich, pydantic or SQLAlchemy are loaded. A command's module is
imported only when that command runs (or its own ``--help`` is asked for).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from riverrun._cli import _params

try:
    from typer import _click  # typer >= 0.26 carries its own copy of click
except ImportError:  # pragma: no cover
    import click as _click  # type: ignore[no-redef]

# name -> (module, one-line help, shown in `riverrun --help` only when the module exists)
_COMMANDS: dict[str, tuple[str, str, bool]] = {
    "flow-run": ("riverrun._cli.flow_run", "List, inspect, follow and delete flow runs.", False),
    "flow": ("riverrun._cli.flow", "List flows.", False),
    "task-run": ("riverrun._cli.task_run", "List and inspect task runs; show their logs.", False),
    "variable": ("riverrun._cli.variable", "List, read, set and unset variables.", False),
    "artifact": ("riverrun._cli.artifact", "List, inspect and delete artifacts.", False),
    "profile": ("riverrun._cli.profile", "Create, switch and inspect settings profiles.", False),
    "block": ("riverrun._cli.block", "Create, list and inspect blocks.", False),
    "deployment": (
        "riverrun._cli.deployment",
        "Run, inspect, schedule and backfill deployments.",
        False,
    ),
    "deploy": (
        "riverrun._cli.deploy",
        "Store a deployment of a flow (or all of riverrun.yaml).",
        False,
    ),
    "work-pool": ("riverrun._cli.work_pool", "Manage work pools.", False),
    "work-queue": ("riverrun._cli.work_queue", "Manage work queues.", False),
    "worker": ("riverrun._cli.worker", "Start a worker that runs a work pool's flow runs.", False),
    "automation": ("riverrun._cli.automation", "Create, list and change automations.", False),
    "events": ("riverrun._cli.events", "Follow events as they are recorded.", False),
    "concurrency-limit": (
        "riverrun._cli.concurrency_limit",
        "Manage task-level concurrency limits.",
        False,
    ),
    "global-concurrency-limit": (
        "riverrun._cli.global_concurrency_limit",
        "Manage global concurrency limits.",
        False,
    ),
    "gcl": (
        "riverrun._cli.global_concurrency_limit",
        "Manage global concurrency limits (short for global-concurrency-limit).",
        False,
    ),
    "config": ("riverrun._cli.config", "View and change settings.", False),
    "server": (
        "riverrun._cli.server",
        "Start the riverrun server; its database and API keys.",
        True,
    ),
    "login": (
        "riverrun._cli.login",
        "Use a server (checking the API key where it has auth on).",
        False,
    ),
    "logout": ("riverrun._cli.logout", "Stop using a server: back to the embedded store.", False),
    "spool": ("riverrun._cli.spool", "Show or deliver events waiting for the server.", False),
    "store": ("riverrun._cli.store", "Check or compact the embedded store.", False),
    "reset": (
        "riverrun._cli.reset",
        "Clear the settings and, if confirmed, the run history.",
        False,
    ),
    "version": ("riverrun._cli.version", "Show versions and where runs are stored.", False),
}

# Prefect's aliases of its command groups (hidden from the help, as in Prefect); one whose
# target is not (yet) a riverrun command is left out of the lookup.
_ALIASES: dict[str, str] = {
    "flows": "flow", "flow-runs": "flow-run", "deployments": "deployment", "profiles": "profile",
    "blocks": "block", "automations": "automation", "event": "events", "task-runs": "task-run",
    "work-pools": "work-pool", "work-queues": "work-queue",
    "concurrency-limits": "concurrency-limit", "gcl": "global-concurrency-limit",
}  # fmt: skip


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class _LazyGroup(TyperGroup):
    """A group that imports a sub-command's module only when that command is used."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        names = [
            n for n, (mod, _, optional) in _COMMANDS.items() if not optional or _module_exists(mod)
        ]
        return names + [n for n in super().list_commands(ctx) if n not in _COMMANDS]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in _COMMANDS and _ALIASES.get(cmd_name) in _COMMANDS:
            cmd_name = _ALIASES[cmd_name]
        if cmd_name not in _COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, short_help, optional = _COMMANDS[cmd_name]
        # pydantic looks for plugins in every installed distribution's entry points the first
        # time a model is built: ~20 ms of a command's 0.3 s, for plugins that only observe
        # validation. A user who sets the variable keeps their choice.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        if optional and not _module_exists(module_name):
            return None
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return _missing_command(cmd_name, module_name, short_help)
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        _prepare(command)
        return command

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        for param in self.params:
            _params.install(param)
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: _click.Context) -> Any:
        return _params.installed(super().get_help_option(ctx))

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as exc:
            # The base class suggests only from commands already imported.
            if args and "Did you mean" not in exc.message:
                import difflib

                matches = difflib.get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    suggestions = ", ".join(repr(m) for m in matches)
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        # The one-line help comes from the table, so listing commands imports none of them.
        rows = [(name, _COMMANDS[name][1]) for name in self.list_commands(ctx) if name in _COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: _click.Context) -> Any:
        from riverrun.exceptions import RiverrunException

        try:
            return super().invoke(ctx)
        except RiverrunException as exc:
            # A user error is one line (problem and fix), never a traceback.
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if _is_server_refusal(exc):
                # The server's answer names the problem; a traceback would bury it.
                typer.echo(f"Error: {exc}", err=True)
                raise typer.Exit(1) from None
            if not _is_connection_error(exc):
                raise
            from riverrun.settings import get_current_settings

            typer.echo(
                f"Error: cannot reach the riverrun server at {get_current_settings().api_url} "
                f"({exc}). Start it with `riverrun server start`, or unset RIVERRUN_API_URL "
                "to use the embedded store.",
                err=True,
            )
            raise typer.Exit(1) from None


def _prepare(command: _click.Command) -> None:
    """Give a command and everything under it the root's plain help, and coercion of
    option values that imports pydantic only for values that need it (``_params``).

    One style at every level, whatever a command module's ``typer.Typer(...)`` says, and
    ``--help`` never imports rich.
    """
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    # The help option is made per context, on first use (its names come from the context).
    make_help_option = command.get_help_option
    setattr(command, "get_help_option", lambda ctx: _params.installed(make_help_option(ctx)))  # noqa: B010
    for param in command.params:
        _params.install(param)
        # `--limit N`-style labels instead of typer's `<int range>` / `<list[str]>`.
        is_option = getattr(param, "param_type_name", "") == "option"
        if is_option and not getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = (param.name or "value").upper()
        if getattr(param, "param_type_name", "") == "argument":
            # The argument's name (ID, SLUG/NAME) says what to type; `ID <str>` adds noise.
            setattr(param, "display_type_rich", lambda ctx: None)  # noqa: B010
    for sub in getattr(command, "commands", {}).values():
        if sub.short_help is None and sub.help:
            # A group lists its commands by their first sentence; click cuts it to the
            # terminal's width ("Delete a work queue by ID or name (not a..."), so it is given
            # whole and the listing wraps it instead.
            sub.short_help = _click.utils.make_default_short_help(sub.help, max_length=10_000)
        _prepare(sub)


def _is_server_refusal(exc: BaseException) -> bool:
    # RiverrunHTTPStatusError is an httpx error (as Prefect's is), not a RiverrunException;
    # checked by name so that the CLI does not import httpx to recognise it.
    return any(cls.__name__ == "RiverrunHTTPStatusError" for cls in type(exc).__mro__)


def _is_connection_error(exc: BaseException) -> bool:
    # Checked by name so that the CLI does not import httpx to recognise its errors.
    return isinstance(exc, ConnectionError) or any(
        cls.__name__ == "TransportError" and cls.__module__.startswith("httpx")
        for cls in type(exc).__mro__
    )


def _missing_command(name: str, module_name: str, short_help: str) -> _click.Command:
    stub = typer.Typer(add_completion=False)

    @stub.command(
        name,
        help=short_help,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    def explain() -> None:
        typer.echo(
            f"Error: the `riverrun {name}` commands are not available in this installation "
            f"({module_name} is missing). Reinstall riverrun (pip install -U riverrun).",
            err=True,
        )
        raise typer.Exit(1)

    return typer.main.get_command(stub)


app = typer.Typer(
    cls=_LazyGroup,
    name="riverrun",
    no_args_is_help=True,
    add_completion=False,
    # Plain help for the root keeps `riverrun --help` from importing rich.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    profile: str | None = typer.Option(
        None, "--profile", "-p", metavar="NAME", help="Select a profile for this CLI run."
    ),
) -> None:
    """riverrun: flows and tasks, every run recorded. Runs are stored locally unless
    RIVERRUN_API_URL points at a server. `riverrun COMMAND --help` says more.

    \b
    Examples:
      riverrun flow-run ls --tree --limit 5
      riverrun flow-run logs 01a2... --follow
      riverrun -p local config view --show-sources
    """
    if profile is not None:
        from riverrun.settings import home_path, read_profiles

        if profile not in read_profiles(home_path() / "profiles.toml")["profiles"]:
            typer.echo(
                f"Error: Profile {profile!r} not found. `riverrun profile ls` lists them.", err=True
            )
            raise typer.Exit(1)
        # As Prefect's -p: this run only, through the variable every settings read consults
        # (put back afterwards, for callers that run several commands in one process).
        previous = os.environ.get("RIVERRUN_PROFILE")
        os.environ["RIVERRUN_PROFILE"] = profile
        ctx.call_on_close(lambda: _restore_env("RIVERRUN_PROFILE", previous))


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def main() -> None:
    """Run the CLI (``python -m riverrun``)."""
    sys.exit(app())


__all__ = ["app", "main"]
