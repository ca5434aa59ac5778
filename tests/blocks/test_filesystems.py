"""LocalFileSystem blocks: saved and loaded, refusing paths outside their base, and used as a
task's ``result_storage`` (results written there, read back and hit as a cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

from riverrun import flow, task
from riverrun.blocks.system import Secret
from riverrun.filesystems import LocalFileSystem


def test_a_saved_local_file_system_loads_with_its_basepath(tmp_path: Path) -> None:
    LocalFileSystem(basepath=tmp_path / "data").save("lfs", overwrite=True)
    assert LocalFileSystem.load("lfs").basepath == str(tmp_path / "data")


def test_write_path_then_read_path_round_trips_bytes(tmp_path: Path) -> None:
    fs = LocalFileSystem(basepath=tmp_path)
    written = fs.write_path("sub/a.bin", b"\x00hello")
    assert Path(written) == (tmp_path / "sub" / "a.bin").resolve()
    assert fs.read_path("sub/a.bin") == b"\x00hello"


def test_a_path_outside_the_basepath_is_refused(tmp_path: Path) -> None:
    fs = LocalFileSystem(basepath=tmp_path / "base")
    with pytest.raises(ValueError, match="outside of the base path"):
        fs.write_path("../escape.txt", b"x")


def test_a_task_result_is_written_to_its_result_storage_and_read_back(tmp_path: Path) -> None:
    storage = LocalFileSystem(basepath=tmp_path)
    storage.save("results", overwrite=True)
    calls: list[int] = []

    @task(persist_result=True, result_storage=storage, result_storage_key="sq-{parameters[n]}")
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    @flow
    def twice() -> list[int]:
        first = square(3, return_state=True)
        second = square(3, return_state=True)
        return [first.result(), second.result(), second.is_completed() and second.name]

    assert twice() == [9, 9, "Cached"]
    assert calls == [3]
    assert (tmp_path / "sq-3").is_file()


def test_secret_text_holding_json_is_decoded_as_prefect_does() -> None:
    assert Secret(value="42").get() == 42
    assert Secret(value='{"a": [1]}').get() == {"a": [1]}
    assert Secret(value="not json").get() == "not json"


def test_a_saved_secret_holding_json_text_loads_decoded() -> None:
    Secret(value="[1, 2]").save("json-text", overwrite=True)
    assert Secret.load("json-text").get() == [1, 2]
