"""Typed input for paused flow runs (``pause_flow_run(wait_for_input=...)``), as ``prefect.input``.

Flow-run inputs sent between runs (``send_input`` / ``receive_input``, ``create_flow_run_input``)
are not part of riverrun yet; the input a pause waits for travels in the run's states.
"""

from riverrun.input.run_input import (
    AutomaticRunInput,
    Keyset,
    RunInput,
    RunInputMetadata,
    keyset_from_base_key,
    keyset_from_paused_state,
    run_input_subclass_from_type,
)

__all__ = [
    "AutomaticRunInput",
    "Keyset",
    "RunInput",
    "RunInputMetadata",
    "keyset_from_base_key",
    "keyset_from_paused_state",
    "run_input_subclass_from_type",
]
