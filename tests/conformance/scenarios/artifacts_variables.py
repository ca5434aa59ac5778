"""Artifacts and variables."""

import os
import uuid as uuidlib

from observe import acall, call, value
from prefect import flow
from prefect.artifacts import (
    Artifact,
    create_image_artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.variables import Variable


def _key(base):
    return f"{base}-{os.getpid()}-{uuidlib.uuid4().hex[:6]}"


def _read(key):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as c:
        arts = c.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        return [
            {
                "type": a.type,
                "data": a.data if not isinstance(a.data, str) or len(a.data) < 400 else "<long>",
                "description": a.description,
                "key": "<key>" if a.key else None,
            }
            for a in arts
        ]


def scenario_markdown_artifact_in_flow():
    key = _key("md")

    @flow
    def md_flow():
        return create_markdown_artifact("# Hi", key=key, description="desc")

    r = md_flow()
    return {"returned_type": type(r).__name__, "read": _read(key)}


def scenario_table_artifact_rows():
    key = _key("table")

    @flow
    def table_flow():
        create_table_artifact([{"a": 1, "b": 2}, {"a": 3, "b": 4}], key=key)

    table_flow()
    return {"read": _read(key)}


def scenario_table_artifact_columns():
    key = _key("tcols")

    @flow
    def table_cols_flow():
        create_table_artifact({"a": [1, 2], "b": [3, 4]}, key=key)

    table_cols_flow()
    return {"read": _read(key)}


def scenario_link_artifact():
    key = _key("link")

    @flow
    def link_flow():
        create_link_artifact("https://example.com/x", link_text="x", key=key)

    link_flow()
    return {"read": _read(key)}


def scenario_image_artifact():
    key = _key("img")

    @flow
    def image_flow():
        create_image_artifact("https://example.com/i.png", key=key)

    image_flow()
    return {"read": _read(key)}


def scenario_progress_artifact_update():
    key = _key("prog")

    @flow
    def progress_flow():
        aid = create_progress_artifact(10.0, key=key)
        update_progress_artifact(aid, 55.5)
        return aid

    aid = progress_flow()
    return {"id_type": type(aid).__name__, "read": _read(key)}


def scenario_artifact_outside_flow():
    key = _key("outside")
    r = create_markdown_artifact("outside", key=key)
    return {"returned_type": type(r).__name__, "read": _read(key)}


def scenario_artifact_bad_key():
    return {"call": call(create_markdown_artifact, "x", key="Bad Key!")}


def scenario_artifact_class_create_and_get():
    key = _key("cls")
    a = Artifact(type="markdown", key=key, data="# cls")
    created = a.create()
    got = Artifact.get(key)
    return {
        "created_type": type(created).__name__,
        "got_data": got.data if got else None,
        "got_type": got.type if got else None,
        "missing": value(Artifact.get(_key("missing"))),
    }


async def scenario_artifact_get_awaitable_in_async():
    key = _key("acls")
    await Artifact(type="markdown", key=key, data="# a").create()
    got = await Artifact.get(key)
    return {"data": got.data}


def scenario_variable_set_get():
    name = _key("var").replace("-", "_")
    Variable.set(name, {"a": [1, 2]})
    return {
        "get": value(Variable.get(name)),
        "missing_default": value(Variable.get(name + "_nope", default="d")),
        "missing": value(Variable.get(name + "_nope")),
    }


def scenario_variable_overwrite():
    name = _key("ovr").replace("-", "_")
    Variable.set(name, "one")
    again = call(Variable.set, name, "two")
    Variable.set(name, "three", overwrite=True)
    return {"again": again, "now": Variable.get(name)}


def scenario_variable_set_returns():
    name = _key("ret").replace("-", "_")
    v = Variable.set(name, 5, tags=["t"])
    return {
        "type": type(v).__name__,
        "name_ok": v.name == name,
        "value": value(v.value),
        "tags": v.tags,
    }


def scenario_variable_unset():
    name = _key("uns").replace("-", "_")
    Variable.set(name, 1)
    return {
        "unset": value(Variable.unset(name)),
        "again": value(Variable.unset(name)),
        "after": value(Variable.get(name)),
    }


async def scenario_variable_async_calls():
    name = _key("async").replace("-", "_")
    await Variable.set(name, "av")
    got = await Variable.get(name)
    also = await Variable.aget(name)
    return {"got": got, "aget": also}


def scenario_variable_bad_name():
    return {"call": call(Variable.set, "Bad Name", 1)}


def scenario_variable_inside_flow():
    name = _key("inflow").replace("-", "_")

    @flow
    def var_flow():
        Variable.set(name, 10)
        return Variable.get(name) + 1

    return {"call": call(var_flow)}


async def scenario_variable_get_in_async_flow():
    name = _key("aflow").replace("-", "_")
    await Variable.aset(name, 3)

    @flow
    async def async_var_flow():
        return await Variable.get(name)

    return {"result": await acall(async_var_flow)}
