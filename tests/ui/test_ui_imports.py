"""The UI's libraries load only with the server's UI, never with ``import riverrun``."""

from __future__ import annotations

import subprocess
import sys


def test_import_riverrun_loads_no_template_or_markdown_library() -> None:
    code = ("import sys, riverrun; print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'jinja2', 'markdown_it', 'markupsafe', 'playwright'}))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
