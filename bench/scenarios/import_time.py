"""Scenario ``import``: time ``import <system>`` in a fresh process, then ``flow``/``task``.

``import_s`` is ``import riverrun`` / ``import prefect`` alone; ``import_flow_task_s`` adds
``from <system> import flow, task`` (riverrun loads its public names lazily, so this second
number is what a script really pays). The harness adds the whole-process wall time.
Kept free of any other import so that nothing is paid for before the clock starts.
"""

import importlib
import json
import sys
import time

system = sys.argv[sys.argv.index("--system") + 1]
t0 = time.perf_counter()
module = importlib.import_module(system)
t1 = time.perf_counter()
flow, task = module.flow, module.task
t2 = time.perf_counter()
ok = callable(flow) and callable(task)
print(
    json.dumps(
        {
            "bench_result": True,
            "ok": ok,
            "metrics": {
                "import_s": t1 - t0,
                "import_flow_task_s": t2 - t0,
                "version": module.__version__,
            },
            "check": {"passed": ok, "flow_and_task_callable": ok},
            "error": None,
        }
    )
)
