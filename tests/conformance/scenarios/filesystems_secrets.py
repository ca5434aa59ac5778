"""File system blocks (prefect.filesystems.LocalFileSystem) and Secret values."""

import os
import tempfile

from observe import call, value
from prefect.blocks.system import Secret
from prefect.filesystems import LocalFileSystem


def scenario_local_file_system_write_then_read():
    d = tempfile.mkdtemp()
    fs = LocalFileSystem(basepath=d)
    written = fs.write_path("sub/a.txt", b"hello")
    return {
        "written_is_str": isinstance(written, str),
        "written_under_base": written.endswith(os.path.join("sub", "a.txt")),
        "read": value(fs.read_path("sub/a.txt")),
        "files": sorted(os.listdir(os.path.join(d, "sub"))),
    }


def scenario_local_file_system_path_outside_base_refused():
    fs = LocalFileSystem(basepath=tempfile.mkdtemp())
    return {
        "call": {
            "raises": {"exception": call(fs.write_path, "../x.txt", b"x")["raises"]["exception"]}
        }
    }


def scenario_local_file_system_read_missing_path():
    fs = LocalFileSystem(basepath=tempfile.mkdtemp())
    return {"exception": call(fs.read_path, "nope.txt")["raises"]["exception"]}


def scenario_local_file_system_block_type_and_load():
    d = tempfile.mkdtemp()
    name = f"lfs-{os.getpid()}"
    LocalFileSystem(basepath=d).save(name, overwrite=True)
    loaded = LocalFileSystem.load(name)
    return {
        "slug": LocalFileSystem.get_block_type_slug(),
        "type_name": LocalFileSystem.get_block_type_name(),
        "basepath_same": loaded.basepath == d,
        "fields": sorted(LocalFileSystem.model_fields),
    }


def scenario_local_file_system_pathlib_basepath_is_str():
    from pathlib import Path

    fs = LocalFileSystem(basepath=Path(tempfile.mkdtemp()))
    return {"basepath_type": type(fs.basepath).__name__}


def scenario_secret_json_ish_values():
    raw = ["42", "abc", '{"a": 1}', "[1, 2]", "true", "null", "1.5", 42, {"k": "v"}, ""]
    return {repr(v): value(Secret(value=v).get()) for v in raw}


def scenario_secret_saved_json_string_loads_as_value():
    name = f"sec-json-{os.getpid()}"
    Secret(value="42").save(name, overwrite=True)
    return {"got": value(Secret.load(name).get())}
