"""File system blocks under Prefect's module name (``prefect.filesystems``)."""

from riverrun.blocks.filesystems import LocalFileSystem, WritableFileSystem

__all__ = ["LocalFileSystem", "WritableFileSystem"]
