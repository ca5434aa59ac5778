"""Caching policies, cache_key_fn, persisted results, result_storage_key, ResultStore."""

import os
import tempfile
from datetime import timedelta

from observe import call, result, state, task_run, value
from prefect import flow, task
from prefect.cache_policies import DEFAULT, INPUTS, NO_CACHE, TASK_SOURCE, CompoundCachePolicy


def scenario_cache_hit_state_name():
    calls = []
    key = f"hit-{os.getpid()}-{id(calls)}"

    @task(cache_key_fn=lambda ctx, params: key)
    def cached_once(x):
        calls.append(x)
        return x * 2

    @flow
    def cache_hit_flow():
        return [cached_once(1, return_state=True), cached_once(1, return_state=True)]

    states = cache_hit_flow()
    return {
        "calls": len(calls),
        "states": [state(s) for s in states],
        "results": [result(s) for s in states],
        "tasks": [task_run(s.state_details.task_run_id) for s in states],
    }


def scenario_cache_policy_inputs():
    calls = []

    @task(cache_policy=INPUTS)
    def inputs_cached(x, marker):
        calls.append(x)
        return x

    @flow
    def inputs_flow():
        m = f"{os.getpid()}-{id(calls)}"
        return [
            inputs_cached(1, m, return_state=True).name,
            inputs_cached(1, m, return_state=True).name,
            inputs_cached(2, m, return_state=True).name,
        ]

    return {"names": inputs_flow(), "calls": len(calls)}


def scenario_no_cache_policy():
    calls = []

    @task(cache_policy=NO_CACHE)
    def never_cached():
        calls.append(1)
        return 1

    @flow
    def no_cache_flow():
        return [never_cached(return_state=True).name for _ in range(2)]

    return {"names": no_cache_flow(), "calls": len(calls)}


def scenario_compound_policy_repr():
    policy = INPUTS + TASK_SOURCE
    return {
        "type": type(policy).__name__,
        "is_compound": isinstance(policy, CompoundCachePolicy),
        "default_type": type(DEFAULT).__name__,
    }


def scenario_cache_policy_configure():
    p = INPUTS.configure(key_storage="/tmp/somewhere")
    return {"type": type(p).__name__, "has_key_storage": p.key_storage is not None}


def scenario_compound_configure():
    p = (INPUTS + TASK_SOURCE).configure(isolation_level="SERIALIZABLE")
    return {"type": type(p).__name__}


def scenario_cache_expiration_attribute():
    @task(cache_expiration=timedelta(hours=1), cache_policy=INPUTS)
    def expiring(x):
        return x

    return {"expiration": str(expiring.cache_expiration)}


def scenario_refresh_cache():
    calls = []
    key = f"refresh-{os.getpid()}-{id(calls)}"

    @task(cache_key_fn=lambda ctx, params: key)
    def refreshed(x):
        calls.append(x)
        return len(calls)

    @flow
    def refresh_flow():
        a = refreshed(1)
        b = refreshed.with_options(refresh_cache=True)(1)
        return [a, b]

    return {"results": refresh_flow(), "calls": len(calls)}


def scenario_result_storage_key_writes_file():
    d = tempfile.mkdtemp()
    from prefect.filesystems import LocalFileSystem

    storage = LocalFileSystem(basepath=d)
    storage.save(f"rsk-{os.getpid()}", overwrite=True)

    @task(
        persist_result=True,
        result_storage=storage,
        result_storage_key="out-{parameters[x]}.json",
        result_serializer="json",
    )
    def keyed(x):
        return {"x": x}

    @flow
    def keyed_flow():
        return keyed(3)

    r = keyed_flow()
    import json

    files = sorted(os.listdir(d))
    doc = json.loads(open(os.path.join(d, files[0])).read()) if files else None
    return {
        "result": value(r),
        "files": files,
        "record_keys": sorted(doc) if isinstance(doc, dict) else None,
        "metadata_keys": sorted(doc["metadata"])
        if isinstance(doc, dict) and "metadata" in doc
        else None,
        "serializer": doc["metadata"]["serializer"]
        if isinstance(doc, dict) and "metadata" in doc
        else None,
    }


def scenario_result_store_reads_back():
    d = tempfile.mkdtemp()
    from prefect.filesystems import LocalFileSystem
    from prefect.results import ResultStore

    storage = LocalFileSystem(basepath=d)
    storage.save(f"rs-{os.getpid()}", overwrite=True)

    @task(persist_result=True, result_storage=storage, result_storage_key="rs-key")
    def stored():
        return [1, 2, 3]

    @flow
    def store_flow():
        return stored()

    store_flow()
    store = ResultStore(result_storage=storage)
    record = store.read("rs-key")
    return {
        "type": type(record).__name__,
        "value": value(record.result),
        "exists": store.exists("rs-key"),
        "missing": store.exists("nope"),
    }


def scenario_persist_result_false_no_cache():
    calls = []

    @task(persist_result=False, cache_policy=INPUTS)
    def unpersisted(x):
        calls.append(x)
        return x

    @flow
    def unpersisted_flow():
        m = id(calls)
        return [unpersisted(m, return_state=True).name, unpersisted(m, return_state=True).name]

    return {"names": unpersisted_flow(), "calls": len(calls)}


def scenario_cache_result_in_memory_false():
    @task(cache_result_in_memory=False, persist_result=True)
    def not_in_memory():
        return "v"

    @flow
    def in_memory_flow():
        s = not_in_memory(return_state=True)
        return s.result()

    return {"call": call(in_memory_flow)}


def scenario_task_source_cache_across_flows():
    calls = []
    marker = f"{os.getpid()}-{id(calls)}"

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def cross_flow(m):
        calls.append(m)
        return m

    @flow
    def cross_a():
        return cross_flow(marker, return_state=True).name

    return {"first": cross_a(), "second": cross_a(), "calls": len(calls)}
