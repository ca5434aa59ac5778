"""Scenarios ``first_run`` and ``exit_durability``: a script that runs one flow and exits.

A fresh process with a fresh home runs one flow calling a task ``--n`` times (1 for
``first_run``) and exits at once, like a user's ``python main.py``. The harness measures
the whole process, start to exit, and afterwards counts what reached the store's database
file (``records_after_exit``); this program does nothing but the work.
"""

import importlib
import json
import sys

system = sys.argv[sys.argv.index("--system") + 1]
n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else 1
module = importlib.import_module(system)


@module.task
def add_one(x: int) -> int:
    return x + 1


@module.flow
def one_flow(n: int) -> int:
    return sum(add_one(i) for i in range(n))


result = one_flow(n)
ok = result == n * (n + 1) // 2
print(
    json.dumps(
        {
            "bench_result": True,
            "ok": ok,
            "metrics": {},
            "check": {"passed": ok, "result": result},
            "error": None,
        }
    )
)
