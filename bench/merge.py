"""Combine results files from several invocations into one, for one table.

    python -m bench.merge A.json B.json -o bench/results/<name>.json

A case present in a later file replaces the same case (all its runs) from the earlier
ones — e.g. a case re-run after a fix to its program. The merged file lists its parts, and
the report prints them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.plan import CASES


def merge(parts: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Merge ``(name, results)`` pairs, later cases replacing earlier ones."""
    cases: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[dict[str, Any]]] = {}
    origin: dict[str, str] = {}
    for name, results in parts:
        keys = {c["key"] for c in results["cases"]}
        for key in keys:
            runs[key] = []
        for case in results["cases"]:
            cases[case["key"]] = case
            origin[case["key"]] = name
        for run in results["runs"]:
            if run.get("case") in keys:
                runs[run["case"]].append(run)
    order = {c.key: i for i, c in enumerate(CASES)}
    ordered = sorted(cases, key=lambda k: order.get(k, len(order)))
    first = parts[0][1]
    return {
        "started": first.get("started"),
        "finished": parts[-1][1].get("finished"),
        "machine": first.get("machine"),
        "versions": first.get("versions"),
        "commit": ", ".join(dict.fromkeys(str(r.get("commit")) for _, r in parts)),
        "options": first.get("options"),
        "elapsed_s": sum(float(r.get("elapsed_s") or 0) for _, r in parts),
        "parts": [
            {
                "file": name,
                "started": r.get("started"),
                "commit": r.get("commit"),
                "options": r.get("options"),
                "elapsed_s": r.get("elapsed_s"),
                "load_avg": (r.get("machine") or {}).get("load_avg"),
                "python_speed_s": (r.get("machine") or {}).get("python_speed_s"),
                "cases": [k for k in ordered if origin[k] == name],
            }
            for name, r in parts
        ],
        "cases": [cases[k] for k in ordered],
        "runs": [run for k in ordered for run in runs[k]],
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.merge A.json B.json ... -o OUT.json``."""
    parser = argparse.ArgumentParser(prog="python -m bench.merge")
    parser.add_argument("parts", nargs="+", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args(argv)
    parts = [(p.name, json.loads(p.read_text())) for p in args.parts]
    args.out.write_text(json.dumps(merge(parts), indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
