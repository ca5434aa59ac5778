"""Prefect's options for choosing which logs of a run to show (``flow-run logs``,
``task-run logs``): ``--head``, ``--tail``, ``-n/--num-logs``, ``-r/--reverse``."""

from __future__ import annotations

import typer

# No -h: it is --help at every level of riverrun's CLI (Prefect's -h means --head here).
HEAD = typer.Option(False, "--head", help="Show the first 20 logs instead of all logs.")
NUM_LOGS = typer.Option(
    None,
    "--num-logs",
    "-n",
    min=1,
    help="Number of logs to show with --head or --tail (default 20).",
)
REVERSE = typer.Option(False, "--reverse", "-r", help="Print the most recent logs first.")
TAIL = typer.Option(False, "--tail", "-t", help="Show the last 20 logs instead of all logs.")
