"""``python -m bench``: run every scenario on riverrun and Prefect 3 and report ratios."""

from bench.cli import main

raise SystemExit(main())
