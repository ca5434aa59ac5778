"""Prefect's path for ``riverrun.schemas.filters`` (the same module object)."""

import sys

from riverrun.schemas import filters as _module
from riverrun.schemas.filters import *  # noqa: F403

sys.modules[__name__] = _module
