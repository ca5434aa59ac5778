"""``python -m bench``: run every scenario on riverrun and Prefect 3 and report ratios.

When the current interpreter cannot import riverrun (a bare ``python`` outside the repo's
virtualenv), re-runs itself under ``.venv/bin/python``, which has riverrun and matplotlib.
"""

import importlib.util
import os
import sys
from pathlib import Path

_VENV_PYTHON = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"

if (
    importlib.util.find_spec("riverrun") is None
    and _VENV_PYTHON.exists()
    and Path(sys.executable).resolve() != _VENV_PYTHON.resolve()
):
    os.execv(str(_VENV_PYTHON), [str(_VENV_PYTHON), "-m", "bench", *sys.argv[1:]])

from bench.cli import main  # noqa: E402 - after the interpreter check

raise SystemExit(main())
