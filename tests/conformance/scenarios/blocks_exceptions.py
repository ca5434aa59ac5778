"""Blocks, secrets, the exception hierarchy and a few public utilities."""

import os
import uuid as uuidlib

from observe import acall, call, exc, value
from prefect import exceptions as pe
from prefect.blocks.system import Secret


def _name(base):
    return f"{base}-{os.getpid()}-{uuidlib.uuid4().hex[:6]}"


def scenario_secret_save_returns_uuid_and_load():
    name = _name("sec")
    sid = Secret(value="s3cr3t").save(name)
    loaded = Secret.load(name)
    return {
        "id_type": type(sid).__name__,
        "get": loaded.get(),
        "repr_hides": "s3cr3t" not in repr(loaded),
        "type": type(loaded.value).__name__,
    }


def scenario_block_load_missing_raises():
    missing = call(Secret.load, _name("missing"))["raises"]
    # The message may list the closest names, which depend on the random suffixes.
    return {"call": {"raises": {k: missing[k] for k in ("exception", "mro")}}}


def scenario_block_save_twice_needs_overwrite():
    name = _name("twice")
    Secret(value="a").save(name)
    again = call(Secret(value="b").save, name)
    Secret(value="c").save(name, overwrite=True)
    return {"again": again, "now": Secret.load(name).get()}


async def scenario_secret_load_awaitable_in_async():
    name = _name("asec")
    await Secret(value="av").save(name)
    loaded = await Secret.load(name)
    return {"get": loaded.get()}


async def scenario_block_aload():
    name = _name("aload")
    await Secret(value="x").asave(name)
    loaded = await Secret.aload(name)
    missing = (await acall(Secret.aload, _name("nope")))["raises"]
    # The message may list the closest names, which depend on the random suffixes.
    return {"get": loaded.get(), "missing": {k: missing[k] for k in ("exception", "mro")}}


def scenario_secret_dict_value():
    name = _name("dict")
    Secret(value={"user": "u", "pw": "p"}).save(name)
    return {"get": value(Secret.load(name).get())}


def scenario_block_slug_load():
    name = _name("slug")
    Secret(value="slugged").save(name)
    from prefect.blocks.core import Block

    b = Block.load(f"secret/{name}")
    return {"type": type(b).__name__, "get": b.get()}


def scenario_block_type_slug():
    return {"slug": Secret.get_block_type_slug(), "name": Secret.get_block_type_name()}


def scenario_exception_hierarchy():
    names = [
        "PrefectException",
        "MissingContextError",
        "MissingResult",
        "ObjectNotFound",
        "ParameterTypeError",
        "ParameterBindError",
        "SignatureMismatchError",
        "UpstreamTaskError",
        "CrashedRun",
        "FailedRun",
        "CancelledRun",
        "PausedRun",
        "TerminationSignal",
        "ExternalSignal",
        "Abort",
        "Pause",
        "InvalidNameError",
        "MappingLengthMismatch",
        "MappingMissingIterable",
        "FlowRunWaitTimeout",
        "ConfigurationError",
        "ReservedArgumentError",
        "PrefectHTTPStatusError",
        "UnfinishedRun",
        "ScriptError",
        "FlowScriptError",
        "InfrastructureError",
        "ProtectedBlockError",
        "BlockMissingCapabilities",
        "PrefectSignal",
        "InvalidRepositoryURLError",
        "NotPausedError",
        "FlowPauseTimeout",
        "MissingFlowError",
        "UnspecifiedFlowError",
        "SerializationError",
        "PrefectImportError",
        "FailedRun",
        "CancelledRun",
        "UnfinishedRun",
        "HashError",
        "ProfileSettingsValidationError",
    ]
    out = {}
    for n in names:
        cls = getattr(pe, n, None)
        out[n] = None if cls is None else [c.__qualname__ for c in cls.__mro__ if c is not object]
    return out


def scenario_exception_messages():
    return {
        "missing_result": exc(pe.MissingResult("no result")),
        "object_not_found": call(
            lambda: str(pe.ObjectNotFound(http_exc=ValueError("x"), help_message="h"))
        ),
    }


def scenario_parameter_type_error_from_validation():
    from prefect import flow

    @flow
    def typed_block_flow(a: int, b: list):
        return a

    return {"call": call(typed_block_flow, "x", "y")}


def scenario_reserved_argument_error():
    from prefect import flow

    def uses_reserved(return_state=1):
        return 1

    return {"call": call(flow, uses_reserved)}


def scenario_invalid_flow_name():
    from prefect import flow

    return {"call": call(lambda: flow(name="bad/name")(lambda: 1))}


def scenario_unmapped_and_allow_failure_repr():
    from prefect import allow_failure, unmapped

    return {
        "unmapped_value": unmapped([1]).value,
        "unmapped_type": type(unmapped(1)).__name__,
        "allow_failure_type": type(allow_failure(1)).__name__,
        "unwrap": allow_failure(3).unwrap(),
    }


def scenario_public_top_level_names():
    import prefect

    wanted = [
        "flow",
        "task",
        "Flow",
        "Task",
        "State",
        "tags",
        "get_run_logger",
        "get_client",
        "unmapped",
        "allow_failure",
        "PrefectFuture",
        "Transaction",
        "Manifest",
        "deploy",
        "serve",
        "aserve",
        "pause_flow_run",
        "resume_flow_run",
        "suspend_flow_run",
        "runtime",
        "variables",
        "artifacts",
        "__version__",
    ]
    return {n: hasattr(prefect, n) for n in wanted}


def scenario_settings_env_override():
    os.environ["PREFECT_LOGGING_LEVEL"] = "DEBUG"
    from prefect.settings import get_current_settings

    s = get_current_settings()
    return {"level": s.logging.level}


def scenario_settings_defaults():
    from prefect.settings import get_current_settings

    s = get_current_settings()
    return {
        "persist": s.results.persist_by_default,
        "serializer": s.results.default_serializer,
        "task_retries": s.tasks.default_retries,
        "flow_retries": s.flows.default_retries,
        "log_prints": s.logging.log_prints,
    }


def scenario_temporary_settings():
    from prefect.settings import PREFECT_LOGGING_LEVEL, get_current_settings, temporary_settings

    with temporary_settings({PREFECT_LOGGING_LEVEL: "ERROR"}):
        inside = get_current_settings().logging.level
    return {"inside": inside, "setting_name": PREFECT_LOGGING_LEVEL.name}


def scenario_state_hook_signature_mismatch():
    from prefect import flow

    @flow
    def sig_flow(a):
        return a

    return {"call": call(sig_flow, b=1)}


def scenario_serializers_names():
    from prefect.serializers import JSONSerializer, PickleSerializer

    return {
        "json": JSONSerializer().type,
        "pickle": PickleSerializer().type,
        "roundtrip": value(JSONSerializer().loads(JSONSerializer().dumps({"a": 1}))),
    }
