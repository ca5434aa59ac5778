"""Prefect's path for ``riverrun.schemas.schedules`` (the same module object)."""

import sys

from riverrun.schemas import schedules as _module
from riverrun.schemas.schedules import *  # noqa: F403

sys.modules[__name__] = _module
