"""Typed input for flow runs, as ``prefect.input``.

Two ways a flow run gets input: a paused run waits for it (``pause_flow_run(wait_for_input=
...)``, resumed with ``resume_flow_run(id, run_input={...})``; the input travels in the run's
states), and runs send each other values (``send_input`` / ``receive_input``, stored as
flow-run inputs by key, which the ``*_flow_run_input`` functions read and write directly).
"""

from riverrun.input.actions import (
    acreate_flow_run_input,
    acreate_flow_run_input_from_model,
    adelete_flow_run_input,
    afilter_flow_run_input,
    aread_flow_run_input,
    create_flow_run_input,
    create_flow_run_input_from_model,
    delete_flow_run_input,
    filter_flow_run_input,
    read_flow_run_input,
)
from riverrun.input.run_input import (
    AutomaticRunInput,
    GetInputHandler,
    Keyset,
    RunInput,
    RunInputMetadata,
    asend_input,
    keyset_from_base_key,
    keyset_from_paused_state,
    receive_input,
    run_input_subclass_from_type,
    send_input,
)

__all__ = [
    "AutomaticRunInput",
    "GetInputHandler",
    "Keyset",
    "RunInput",
    "RunInputMetadata",
    "acreate_flow_run_input",
    "acreate_flow_run_input_from_model",
    "adelete_flow_run_input",
    "afilter_flow_run_input",
    "aread_flow_run_input",
    "asend_input",
    "create_flow_run_input",
    "create_flow_run_input_from_model",
    "delete_flow_run_input",
    "filter_flow_run_input",
    "keyset_from_base_key",
    "keyset_from_paused_state",
    "read_flow_run_input",
    "receive_input",
    "run_input_subclass_from_type",
    "send_input",
]
