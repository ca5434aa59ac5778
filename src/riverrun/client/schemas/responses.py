"""Prefect's path for ``riverrun.schemas.responses`` (the same module object)."""

import sys

from riverrun.schemas import responses as _module
from riverrun.schemas.responses import *  # noqa: F403

sys.modules[__name__] = _module
