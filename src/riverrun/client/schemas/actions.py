"""Prefect's path for ``riverrun.schemas.actions`` (the same module object)."""

import sys

from riverrun.schemas import actions as _module
from riverrun.schemas.actions import *  # noqa: F403

sys.modules[__name__] = _module
