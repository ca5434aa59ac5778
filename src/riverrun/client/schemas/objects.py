"""Prefect's path for ``riverrun.schemas.objects`` (the same module object)."""

import sys

from riverrun.schemas import objects as _module
from riverrun.schemas.objects import *  # noqa: F403

sys.modules[__name__] = _module
