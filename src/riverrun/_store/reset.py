"""``riverrun reset``'s two questions of the store: what is in it, and delete the runs.

Runs (flow runs, task runs, their states, tags, logs and artifacts) are history a reset
clears; blocks, variables, deployments and API keys are configuration a person made by hand,
which ``riverrun reset`` keeps unless asked (it then deletes the whole file).
"""

from __future__ import annotations

import sqlalchemy as sa

from riverrun._store import tables as t
from riverrun._store.base import StoreBase

# What `riverrun reset` names, in the order it names them: (label, table).
RUN_HISTORY = (("flow runs", t.flow_run), ("task runs", t.task_run), ("logs", t.log),
               ("artifacts", t.artifact))  # fmt: skip
CONFIGURATION = (("blocks", t.block_document), ("variables", t.variable),
                 ("deployments", t.deployment), ("API keys", t.api_key))  # fmt: skip


def stored_counts(store: StoreBase) -> dict[str, int]:
    """How many rows of each kind ``RUN_HISTORY`` and ``CONFIGURATION`` name the store holds."""
    with store.connect() as conn:
        return {
            label: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for label, table in (*RUN_HISTORY, *CONFIGURATION)
        }


def delete_run_history(store: StoreBase) -> None:
    """Delete every run with its states, tags, logs and artifacts, in one transaction, and
    the flows no deployment needs; blocks, variables, deployments and API keys stay."""
    with store.begin() as conn:
        for table in (t.log, t.artifact, t.task_run_state, t.task_run_tag, t.task_run,
                      t.flow_run_state, t.flow_run_tag, t.flow_run_input, t.flow_run):  # fmt: skip
            conn.execute(table.delete())
        # Deleting a flow deletes its deployments (ON DELETE CASCADE).
        conn.execute(t.flow.delete().where(t.flow.c.id.not_in(sa.select(t.deployment.c.flow_id))))
