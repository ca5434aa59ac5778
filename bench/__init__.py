"""riverrun's side-by-side benchmark against Prefect 3: ``python -m bench``.

* ``bench.plan`` — the scenarios, their sizes and repeat counts;
* ``bench.runner`` — runs one scenario program in a fresh subprocess with a fresh home;
* ``bench.cli`` — the command: alternates the systems, writes ``bench/results/*.json``;
* ``bench.stats`` — median/min/max/p99 and ratios;
* ``bench.report`` — ``docs/benchmarks.md`` and ``docs/img/benchmarks.png`` from a results file;
* ``bench/scenarios/`` — the programs, one per scenario, parametrised by ``--system``.
"""
