"""Prefect's path for ``riverrun.schemas.sorting`` (the same module object)."""

import sys

from riverrun.schemas import sorting as _module
from riverrun.schemas.sorting import *  # noqa: F403

sys.modules[__name__] = _module
