"""Where riverrun differs from Prefect on purpose, scenario by scenario.

Each entry names a place in a scenario's observations (a dotted path), the exact value riverrun
gives there (after normalisation) and the section of ``docs/compatibility.md`` that says why.
The comparator checks that Prefect's golden really differs there and that riverrun gives exactly
this value; everything else in the scenario must match Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Deliberate:
    path: str
    riverrun: Any
    reason: str  # a heading id in docs/compatibility.md, e.g. "D1"


DELIBERATE: dict[str, list[Deliberate]] = {
    "artifacts_variables::scenario_artifact_bad_key": [
        Deliberate("observations.call.raises.exception", "ValueError", "D2"),
        Deliberate(
            "observations.call.raises.message",
            "Artifact key 'Bad Key!' is not valid: use only lowercase letters, numbers and dashes (for example 'daily-report').",
            "D2",
        ),
        Deliberate(
            "observations.call.raises.mro", ["ValueError", "Exception", "BaseException"], "D2"
        ),
    ],
    "artifacts_variables::scenario_variable_overwrite": [
        Deliberate("observations.again.raises.exception", "ObjectAlreadyExists", "D2"),
        Deliberate(
            "observations.again.raises.message",
            "Variable 'ovr_<unique>' already exists; pass overwrite=True to replace its value.",
            "D2",
        ),
        Deliberate(
            "observations.again.raises.mro",
            [
                "ObjectAlreadyExists",
                "RiverrunException",
                "ValueError",
                "Exception",
                "BaseException",
            ],
            "D2",
        ),
    ],
    "artifacts_variables::scenario_variable_bad_name": [
        Deliberate("observations.call.raises.exception", "ValueError", "D2"),
        Deliberate(
            "observations.call.raises.message",
            "Variable name 'Bad Name' is not valid: variable names must only contain lowercase letters, numbers, and dashes or underscores (for example 'db_host').",
            "D2",
        ),
        Deliberate(
            "observations.call.raises.mro", ["ValueError", "Exception", "BaseException"], "D2"
        ),
    ],
    "blocks_exceptions::scenario_block_load_missing_raises": [
        Deliberate("observations.call.raises.exception", "ObjectNotFound", "D2"),
        Deliberate(
            "observations.call.raises.mro",
            ["ObjectNotFound", "RiverrunException", "ValueError", "Exception", "BaseException"],
            "D2",
        ),
    ],
    "blocks_exceptions::scenario_block_save_twice_needs_overwrite": [
        Deliberate("observations.again.raises.exception", "ObjectAlreadyExists", "D2"),
        Deliberate(
            "observations.again.raises.message",
            "A block named 'twice-<unique>' of type 'secret' already exists; pass overwrite=True to replace it.",
            "D2",
        ),
        Deliberate(
            "observations.again.raises.mro",
            [
                "ObjectAlreadyExists",
                "RiverrunException",
                "ValueError",
                "Exception",
                "BaseException",
            ],
            "D2",
        ),
    ],
    "blocks_exceptions::scenario_block_aload": [
        Deliberate("observations.missing.exception", "ObjectNotFound", "D2"),
        Deliberate(
            "observations.missing.mro",
            ["ObjectNotFound", "RiverrunException", "ValueError", "Exception", "BaseException"],
            "D2",
        ),
    ],
    "blocks_exceptions::scenario_parameter_type_error_from_validation": [
        Deliberate(
            "observations.call.raises.message",
            "Flow run received invalid parameters of flow 'typed-block-flow':\n  - parameter 'a': Input should be a valid integer, unable to parse string as an integer (got 'x')\n  - parameter 'b': Input should be a valid list (got 'y')\nPass values of the annotated types, or change the type hints.",
            "D2",
        ),
    ],
    "blocks_exceptions::scenario_invalid_flow_name": [
        Deliberate(
            "observations.call.raises.message",
            "Flow name 'bad/name' contains '/'; names may not contain any of / % & > <. Choose another name.",
            "D2",
        ),
    ],
    "blocks_exceptions::scenario_state_hook_signature_mismatch": [
        Deliberate(
            "observations.call.raises.message",
            "Flow 'sig-flow' was called with arguments that do not fit its signature (a): missing a required argument: 'a'.",
            "D2",
        ),
    ],
    "blocks_exceptions::scenario_settings_env_override": [
        Deliberate("observations.level", "DEBUG", "D10"),
    ],
    "flows_basic::scenario_flow_parameter_validation_error": [
        Deliberate(
            "observations.call.raises.message",
            "Flow run received invalid parameters of flow 'strict-flow':\n  - parameter 'n': Input should be a valid integer, unable to parse string as an integer (got 'not a number')\nPass values of the annotated types, or change the type hints.",
            "D2",
        ),
    ],
    "flows_basic::scenario_flow_missing_argument": [
        Deliberate(
            "observations.call.raises.message",
            "Flow 'needs-arg' was called with arguments that do not fit its signature (n): missing a required argument: 'n'.",
            "D2",
        ),
    ],
    "flows_basic::scenario_flow_extra_argument": [
        Deliberate(
            "observations.call.raises.message",
            "Flow 'one-arg' was called with arguments that do not fit its signature (n): too many positional arguments.",
            "D2",
        ),
    ],
    "flows_basic::scenario_subflow_parent_link": [
        Deliberate(
            "observations.parent.task_runs.0.history",
            [["PENDING", "Pending"], ["RUNNING", "Running"], ["COMPLETED", "Completed"]],
            "D4",
        ),
    ],
    "logging_runtime::scenario_task_log_lines": [
        Deliberate(
            "observations.lines",
            [
                [
                    "riverrun.flow_runs",
                    "INFO",
                    "Beginning flow run '<name>' for flow 'task-logging-flow'",
                ],
                ["riverrun.task_runs", "INFO", "from task"],
                ["riverrun.flow_runs", "INFO", "Finished in state Completed()"],
            ],
            "D3",
        ),
    ],
    "logging_runtime::scenario_get_run_logger_outside_run": [
        Deliberate(
            "observations.call.raises.message",
            "There is no active flow or task run: get_run_logger() can only be called inside a function decorated with @flow or @task. Outside a run, use riverrun.logging.get_logger() or the standard logging module.",
            "D2",
        ),
    ],
    "logging_runtime::scenario_flow_run_context": [
        Deliberate("observations.returned.items.run_ctx_type.value", "FlowRunContext", "D7"),
        Deliberate("observations.returned.items.type.value", "FlowRunContext", "D7"),
    ],
    "logging_runtime::scenario_context_outside_run": [
        Deliberate(
            "observations.get_run_context.raises.message",
            "No run context available: get_run_context() was called outside a flow or task run. Call it from inside a function decorated with @flow or @task.",
            "D2",
        ),
    ],
    "caching_results::scenario_result_storage_key_writes_file": [
        Deliberate("observations.metadata_keys.1", "prefect_version", "D15"),
        Deliberate(
            "observations.serializer.object_decoder",
            "prefect.serializers.prefect_json_object_decoder",
            "D15",
        ),
        Deliberate(
            "observations.serializer.object_encoder",
            "prefect.serializers.prefect_json_object_encoder",
            "D15",
        ),
    ],
    "methods::scenario_staticmethod_flow_called_through_an_instance": [
        Deliberate("observations", {"returns": {"type": "int", "value": 10}}, "D21"),
    ],
    "methods::scenario_method_kind_flags": [
        Deliberate("observations.flow_on_class", [False, False], "D21"),
        Deliberate("observations.staticmethod", [False, True], "D21"),
        Deliberate("observations.task_staticmethod", [False, True], "D21"),
    ],
    "surface_helpers::scenario_scheduled_time_only_in_state_details": [
        Deliberate("observations.equals_given", True, "D20"),
    ],
    "logging_runtime::scenario_task_run_logger_outside_flow_task": [
        Deliberate("observations.lines", [["riverrun.task_runs", "INFO", "lone task log"]], "D3"),
    ],
}

# Scenarios where riverrun does not behave as Prefect yet, with what is missing. They run as
# strict expected failures: one that starts to pass fails the suite until it leaves this list.
KNOWN_GAPS: dict[str, str] = {}
