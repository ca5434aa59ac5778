"""Scheduling decided in pure code: when schedules fire, which runs to create, skip or mark late.

Nothing here does I/O or imports the store; ``riverrun._store.deployments`` and the serving
loop act on what these functions decide.
"""
