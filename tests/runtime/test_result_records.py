"""Result files have Prefect's record shape, and ResultStore reads records Prefect wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from riverrun import flow, task
from riverrun.results import ResultStore
from riverrun.serializers import JSONSerializer, PickleSerializer

DATA = Path(__file__).parent / "data"


def test_a_persisted_result_is_a_prefect_result_record(riverrun_home: Path) -> None:
    @task(persist_result=True, result_storage_key="answer-{parameters[n]}")
    def answer(n: int) -> list[int]:
        return [n, n]

    @flow
    def keyed() -> list[int]:
        return answer(4)

    assert keyed() == [4, 4]
    record = json.loads((riverrun_home / "storage" / "answer-4").read_text())
    assert sorted(record) == ["metadata", "result"]
    assert sorted(record["metadata"]) == [
        "expiration",
        "prefect_version",
        "serializer",
        "storage_block_id",
        "storage_key",
    ]
    assert record["metadata"]["serializer"] == {
        "type": "pickle",
        "picklelib": "cloudpickle",
        "picklelib_version": None,
    }
    assert PickleSerializer().loads(record["result"].encode()) == [4, 4]


def test_a_json_result_record_holds_the_json_serializers_text(tmp_path: Path) -> None:
    store = ResultStore(result_storage=tmp_path, serializer="json")
    store.write("doc", {"a": [1, 2]})
    record = json.loads((tmp_path / "doc").read_text())
    assert record["metadata"]["serializer"]["type"] == "json"
    assert JSONSerializer().loads(record["result"].encode()) == {"a": [1, 2]}


def test_result_store_reads_a_record_prefect_wrote(tmp_path: Path) -> None:
    # Written by Prefect 3.9.1's ResultStore (transaction(key="k1", store=...) staging {"v": 2}).
    shutil.copy(DATA / "prefect-record-k1", tmp_path / "k1")
    store = ResultStore(result_storage=tmp_path)
    assert store.exists("k1") and not store.exists("k2")
    assert store.read("k1").result == {"v": 2}


def test_a_record_with_a_past_expiration_is_not_a_cache_hit(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    store = ResultStore(result_storage=tmp_path)
    store.write("old", 1, expiration=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert not store.exists("old")
    assert store.read("old").result == 1  # reading back a stored result ignores expiry, as Prefect
