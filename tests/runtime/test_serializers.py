"""riverrun.serializers: Prefect's serializer classes and bytes."""

from __future__ import annotations

import base64
import lzma

import cloudpickle
import pytest
from pydantic import ValidationError

from riverrun.serializers import (
    CompressedJSONSerializer,
    CompressedPickleSerializer,
    CompressedSerializer,
    JSONSerializer,
    PickleSerializer,
    Serializer,
)


def test_each_serializer_round_trips_a_value() -> None:
    value = {"a": [1, 2], "b": "x"}
    for serializer in (
        PickleSerializer(),
        JSONSerializer(),
        CompressedPickleSerializer(),
        CompressedJSONSerializer(),
    ):
        assert serializer.loads(serializer.dumps(value)) == value


def test_serializer_by_type_name_is_the_registered_class() -> None:
    assert [type(Serializer(type=t)).__name__ for t in ("pickle", "json", "compressed/pickle", "compressed/json")] == [
        "PickleSerializer", "JSONSerializer", "CompressedPickleSerializer", "CompressedJSONSerializer",
    ]  # fmt: skip


def test_an_unknown_serializer_type_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="Unknown serializer type 'yaml'; use one of"):
        Serializer(type="yaml")


def test_pickles_are_base64_cloudpickle_as_in_prefect() -> None:
    blob = PickleSerializer().dumps([1, 2, 3])
    assert cloudpickle.loads(base64.decodebytes(blob)) == [1, 2, 3]


def test_compressed_bytes_are_base64_lzma_of_the_inner_serializer() -> None:
    blob = CompressedSerializer(serializer="json").dumps({"a": 1})
    assert lzma.decompress(base64.decodebytes(blob)) == b'{"a": 1}'


def test_json_keeps_exceptions_by_type_and_message() -> None:
    serializer = JSONSerializer()
    restored = serializer.loads(serializer.dumps({"error": ValueError("boom")}))
    assert (type(restored["error"]), str(restored["error"])) == (ValueError, "boom")


def test_json_refuses_a_default_in_dumps_kwargs() -> None:
    with pytest.raises(
        ValidationError, match="`default` cannot be provided. Use `object_encoder` instead."
    ):
        JSONSerializer(dumps_kwargs={"default": str})


def test_an_unimportable_pickle_library_is_named() -> None:
    with pytest.raises(
        ValidationError, match="Failed to import requested pickle library: 'nopickle'."
    ):
        PickleSerializer(picklelib="nopickle")


def test_a_task_takes_a_serializer_object_as_its_result_serializer(riverrun_home) -> None:  # type: ignore[no-untyped-def]
    import json

    from riverrun import flow, task

    @task(persist_result=True, result_serializer=JSONSerializer(), result_storage_key="doc")
    def make() -> dict[str, int]:
        return {"a": 1}

    @flow
    def f() -> dict[str, int]:
        return make()

    assert f() == {"a": 1}
    record = json.loads((riverrun_home / "storage" / "doc").read_text())
    assert record["metadata"]["serializer"]["type"] == "json"
