"""Helpers of the public surface: state constructors with scheduled_time, state helper
functions, annotations, cache-key helpers, futures helpers, the client's questions about its
server, and fields of artifacts, variables and run contexts."""

import asyncio
import datetime
import warnings

from observe import acall, call, exc, flow_run_of, state, value
from prefect import flow, task

WHEN = datetime.datetime(2031, 5, 4, 3, 2, 1, tzinfo=datetime.timezone.utc)


def _details_time(s):
    t = s.state_details.scheduled_time
    return {"is_datetime": isinstance(t, datetime.datetime), "equals_given": t == WHEN}


def scenario_scheduled_constructors_take_scheduled_time():
    from prefect.states import AwaitingConcurrencySlot, AwaitingRetry, Late, Scheduled

    out = {}
    for ctor in (Scheduled, Late, AwaitingRetry, AwaitingConcurrencySlot):
        s = ctor(scheduled_time=WHEN)
        out[ctor.__name__] = {"state": state(s), "scheduled_time": _details_time(s)}
    return out


def scenario_scheduled_without_time_is_due_now():
    from prefect.states import Late, Scheduled

    before = datetime.datetime.now(datetime.timezone.utc)
    s, late = Scheduled(), Late()
    after = datetime.datetime.now(datetime.timezone.utc)
    return {
        name: before <= x.state_details.scheduled_time <= after
        for name, x in (("Scheduled", s), ("Late", late))
    }


def scenario_scheduled_time_given_twice_is_an_error():
    from prefect.states import AwaitingRetry, Scheduled

    details = {"scheduled_time": WHEN}
    return {
        "Scheduled": call(Scheduled, scheduled_time=WHEN, state_details=details),
        "AwaitingRetry": call(AwaitingRetry, scheduled_time=WHEN, state_details=details),
    }


def scenario_scheduled_time_only_in_state_details():
    from prefect.states import Scheduled

    return _details_time(Scheduled(state_details={"scheduled_time": WHEN}))


def scenario_state_helper_functions():
    from prefect.states import (
        Completed,
        Failed,
        format_exception,
        get_state_result,
        is_state_iterable,
        raise_state_exception,
    )

    return {
        "format_exception": format_exception(ValueError("bad value")),
        "is_state_iterable": [
            is_state_iterable([Completed()]),
            is_state_iterable((Completed(), Failed())),
            is_state_iterable({"a": Completed()}),
            is_state_iterable([]),
            is_state_iterable([Completed(), 1]),
        ],
        "get_state_result": asyncio.run(get_state_result(Completed(data=7))),
        "raise_completed": call(raise_state_exception, Completed()),
        "raise_failed": call(raise_state_exception, Failed(message="it broke")),
        "raise_failed_exc": call(raise_state_exception, Failed(data=KeyError("k"))),
    }


def scenario_async_state_helper_functions():
    from prefect.states import (
        Completed,
        Failed,
        aget_state_exception,
        araise_state_exception,
    )

    async def main():
        return {
            "aget": exc(await aget_state_exception(Failed(message="async broke"))),
            "araise_failed": await acall(araise_state_exception, Failed(message="m")),
            "araise_completed": await acall(araise_state_exception, Completed()),
            "aresult": value(await Completed(data=[1, 2]).aresult()),
            "aresult_failed": await acall(Failed(message="nope").aresult, raise_on_failure=False),
        }

    return asyncio.run(main())


def scenario_exception_to_states():
    from prefect.states import exception_to_crashed_state, exception_to_failed_state

    async def main():
        failed = await exception_to_failed_state(ValueError("boom"), message="While loading")
        bare = await exception_to_failed_state(KeyError("x"))
        try:
            raise RuntimeError("handled now")
        except RuntimeError:
            current = await exception_to_failed_state()
        nothing = await acall(exception_to_failed_state)
        crashes = {
            name: (await exception_to_crashed_state(e)).message
            for name, e in (
                ("interrupt", KeyboardInterrupt()),
                ("exit", SystemExit(3)),
                ("cancelled", asyncio.CancelledError()),
                ("other", ValueError("odd")),
            )
        }
        return {
            "failed": state(failed),
            "failed_retriable": failed.state_details.retriable,
            "failed_data": value(failed.data),
            "bare_message": bare.message,
            "current_message": current.message,
            "nothing_active": nothing,
            "crashed_names": (await exception_to_crashed_state(ValueError("v"))).name,
            "crash_messages": crashes,
        }

    return asyncio.run(main())


def scenario_state_fresh_copy():
    from prefect.states import Completed

    s = Completed(data=3, message="done")
    c = s.fresh_copy()
    return {
        "new_id": c.id != s.id,
        "state": state(c),
        "data": value(c.data),
        "not_earlier": c.timestamp >= s.timestamp,
    }


def scenario_annotations_quote_freeze_notset():
    from prefect.utilities.annotations import NotSet, Quote, freeze, quote

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = Quote(5)
    return {
        "unquote": value(quote([1, 2]).unquote()),
        "Quote_is_quote": isinstance(old, quote),
        "Quote_warns": [(type(w.message).__name__, str(w.message)) for w in caught],
        "freeze_unfreeze": value(freeze({"a": 1}).unfreeze()),
        "freeze_unjsonable": call(freeze, object()),
        "NotSet_is_class": isinstance(NotSet, type),
    }


def scenario_opaque_argument_resolves_its_future():
    from prefect.utilities.annotations import opaque

    @task
    def make():
        return {"rows": [1, 2, 3]}

    @task
    def size(data):
        return len(data["rows"])

    @flow
    def opaque_flow():
        return size(opaque(make.submit()))

    s = opaque_flow(return_state=True)
    return {"result": value(s.result()), "run": flow_run_of(s, tasks=2)}


def scenario_opaque_plain_value_passes_through():
    from prefect.utilities.annotations import opaque

    @task
    def kind(data):
        return type(data).__name__

    @flow
    def opaque_plain_flow():
        return kind(opaque([1, 2]))

    return value(opaque_plain_flow())


def scenario_cache_policy_none_alias():
    from prefect.cache_policies import NO_CACHE, NONE

    calls = []

    @task(cache_policy=NONE)
    def never_cached(x):
        calls.append(x)
        return x

    @flow
    def none_policy_flow():
        return [never_cached(1), never_cached(1)]

    return {
        "equal": NONE == NO_CACHE,
        "type": type(NONE).__name__,
        "result": value(none_policy_flow()),
        "calls": len(calls),
    }


def scenario_task_input_hash_caches_on_inputs():
    from prefect.tasks import task_input_hash

    calls = []

    @task(cache_key_fn=task_input_hash)
    def hashed(x):
        calls.append(x)
        return x * 10

    @flow
    def hashed_flow():
        return [hashed(1), hashed(1), hashed(2)]

    s = hashed_flow(return_state=True)
    return {"result": value(s.result()), "calls": calls, "run": flow_run_of(s, tasks=3)}


def scenario_resolve_futures_to_results():
    from prefect.futures import resolve_futures_to_results

    @task
    def double(x):
        return x * 2

    @task
    def explode():
        raise ValueError("no")

    @flow
    def resolving_flow():
        ok = resolve_futures_to_results({"a": [double.submit(1), double.submit(2)], "b": 3})
        plain = resolve_futures_to_results([1, "x"])
        bad = call(resolve_futures_to_results, [explode.submit()])
        return {"ok": value(ok), "plain": value(plain), "bad": bad}

    return resolving_flow()


def scenario_flow_serialize_parameters():
    @task
    def one():
        return 1

    @flow
    def serializing(a, b):
        return None

    @flow
    def outer_serializing():
        fut = one.submit()
        fut.wait()
        return serializing.serialize_parameters(
            {"a": 1, "b": [1, "x"], "c": {"k": 2.5}, "f": fut, "s": fut.state}
        )

    return outer_serializing()


def scenario_client_hello_and_versions():
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        hello = c.hello()
        api = c.api_version()
        mine = c.client_version()

    async def main():
        async with get_client() as ac:
            return (await ac.hello()).json(), type(await ac.api_version()).__name__

    async_hello, async_api = asyncio.run(main())
    import prefect

    return {
        "hello": [hello.status_code, hello.json()],
        "api_version_type": type(api).__name__,
        "client_version_is_package": mine == prefect.__version__,
        "async_hello": async_hello,
        "async_api_version_type": async_api,
        "async_client_version_plain": isinstance(get_client().client_version(), str),
    }


def scenario_artifact_fields():
    from prefect.artifacts import Artifact

    a = Artifact(type="markdown", key="fields-art", description="d", data="# hi")
    return {
        "fields": [a.key, a.description, a.data, a.metadata_, a.flow_run_id, a.task_run_id],
        "aformat": asyncio.run(a.aformat()),
    }


def scenario_variable_fields():
    from prefect.variables import Variable

    v = Variable(name="var_fields", value={"a": 1}, tags=["x"])
    return {"name": v.name, "value": value(v.value), "tags": v.tags}


def scenario_run_context_fields():
    from prefect.context import FlowRunContext, TaskRunContext

    @task(persist_result=True)
    def look():
        ctx = TaskRunContext.get()
        return {
            "task_name": ctx.task.name,
            "log_prints": ctx.log_prints,
            "persist_result": ctx.persist_result,
        }

    @flow(log_prints=True)
    def ctx_fields_flow():
        ctx = FlowRunContext.get()
        return {
            "flow_name": ctx.flow.name,
            "log_prints": ctx.log_prints,
            "task_runner": type(ctx.task_runner).__name__,
            "observed_flow_pauses": dict(ctx.observed_flow_pauses),
            "task": look(),
        }

    return value(ctx_fields_flow())


def scenario_state_details_fields():
    from prefect.client.schemas.objects import StateDetails

    d = StateDetails()
    return {
        name: value(getattr(d, name))
        for name in (
            "flow_run_id", "task_run_id", "child_flow_run_id", "scheduled_time", "cache_key",
            "cache_expiration", "deferred", "untrackable_result", "pause_timeout",
            "pause_reschedule", "pause_key", "run_input_keyset", "refresh_cache", "retriable",
            "transition_id", "task_parameters_id", "deployment_concurrency_lease_id",
        )
    }  # fmt: skip
