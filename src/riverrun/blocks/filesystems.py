"""File system blocks: ``LocalFileSystem``, a directory results and files are written to.

Example::

    from riverrun.filesystems import LocalFileSystem

    storage = LocalFileSystem(basepath="/data/results")
    storage.save("results", overwrite=True)

    @task(persist_result=True, result_storage=storage)
    def compute() -> int: ...
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from pydantic import Field, field_validator

from riverrun.blocks.core import Block
from riverrun.utilities.asyncutils import async_dispatch


class WritableFileSystem(Block):
    """A block files can be read from and written to by relative path."""

    def read_path(self, path: str) -> bytes:
        raise NotImplementedError

    def write_path(self, path: str, content: bytes) -> str:
        raise NotImplementedError


class LocalFileSystem(WritableFileSystem):
    """Store data as files under ``basepath`` on this machine (default: the current directory).

    Paths are relative to ``basepath``; a path that leaves it is refused.
    """

    _block_type_name = "Local File System"

    basepath: str | None = Field(
        default=None, description="Default local path for this block to write to."
    )

    @field_validator("basepath", mode="before")
    @classmethod
    def cast_pathlib(cls, value: str | Path | None) -> str | None:
        return None if value is None else str(value)

    def base(self) -> Path:
        """The resolved base directory."""
        return Path(self.basepath or ".").expanduser().resolve()

    def _resolve_path(self, path: str | None) -> Path:
        base = self.base()
        if path is None:
            return base
        resolved = Path(path).expanduser()
        if not resolved.is_absolute():
            resolved = base / resolved
        resolved = resolved.resolve()
        if resolved != base and base not in resolved.parents:
            raise ValueError(
                f"Provided path {resolved} is outside of the base path {base}. "
                "Use a path relative to the block's basepath."
            )
        return resolved

    @async_dispatch("aread_path")
    def read_path(self, path: str) -> bytes:
        """The bytes of the file at ``path``; raises ``ValueError`` if there is none."""
        target = self._resolve_path(path)
        if not target.exists():
            raise ValueError(f"Path {target} does not exist.")
        if not target.is_file():
            raise ValueError(f"Path {target} is not a file.")
        return target.read_bytes()

    async def aread_path(self, path: str) -> bytes:
        return await asyncio.to_thread(self.read_path, path, _sync=True)  # type: ignore[call-arg]

    @async_dispatch("awrite_path")
    def write_path(self, path: str, content: bytes) -> str:
        """Write ``content`` to ``path`` (creating its directories); return the full path."""
        target = self._resolve_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return str(target)

    async def awrite_path(self, path: str, content: bytes) -> str:
        return await asyncio.to_thread(self.write_path, path, content, _sync=True)  # type: ignore[call-arg]

    @async_dispatch("aget_directory")
    def get_directory(self, from_path: str | None = None, local_path: str | None = None) -> None:
        """Copy ``from_path`` (default: the whole basepath) to ``local_path`` (default: cwd)."""
        source = self._resolve_path(from_path)
        target = Path(local_path or ".").resolve()
        if source != target:
            shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)

    async def aget_directory(
        self, from_path: str | None = None, local_path: str | None = None
    ) -> None:
        await asyncio.to_thread(self.get_directory, from_path, local_path, _sync=True)  # type: ignore[call-arg]

    @async_dispatch("aput_directory")
    def put_directory(self, local_path: str | None = None, to_path: str | None = None) -> int:
        """Copy ``local_path`` (default: cwd) into ``to_path`` (default: the basepath); return
        the number of files copied."""
        source = Path(local_path or ".").resolve()
        target = self._resolve_path(to_path)
        if source == target:
            return 0
        shutil.copytree(source, target, dirs_exist_ok=True)
        return sum(1 for p in source.rglob("*") if p.is_file())

    async def aput_directory(
        self, local_path: str | None = None, to_path: str | None = None
    ) -> int:
        return await asyncio.to_thread(self.put_directory, local_path, to_path, _sync=True)  # type: ignore[call-arg]


__all__ = ["LocalFileSystem", "WritableFileSystem"]
