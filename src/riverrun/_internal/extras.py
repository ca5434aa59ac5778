"""Optional dependencies: a clear error naming the extra that installs a missing one."""

from __future__ import annotations

import importlib.util


def require_extra(module: str, extra: str, feature: str) -> None:
    """Raise ``ImportError`` naming ``pip install 'riverrun[extra]'`` if ``module`` is missing.

    Checks with ``find_spec`` only, so the (often heavy) module is not imported here.
    """
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ImportError(
            f"{feature} needs the {module!r} package, which is not installed. "
            f"Install it with: pip install 'riverrun[{extra}]'"
        )
