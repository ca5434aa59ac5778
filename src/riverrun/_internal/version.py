"""The installed riverrun's version, read without importing riverrun's public API (which
would pull in the engine's modules)."""

from __future__ import annotations


def package_version() -> str:
    """The installed riverrun's version ("unknown" when run from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("riverrun")
    except PackageNotFoundError:
        return "unknown"
