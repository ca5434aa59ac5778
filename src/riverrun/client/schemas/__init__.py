"""Prefect's import path for the shared vocabulary: ``riverrun.client.schemas.*`` is
``riverrun.schemas.*`` (the same module objects, so ``isinstance`` and pickling agree)."""

from riverrun.schemas import *  # noqa: F403
