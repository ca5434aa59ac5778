"""Prefect's path for ``riverrun.schemas.blocks`` (the same module object)."""

import sys

from riverrun.schemas import blocks as _module
from riverrun.schemas.blocks import *  # noqa: F403

sys.modules[__name__] = _module
