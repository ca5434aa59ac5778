"""The operation table: every operation of riverrun's data, declared once.

Each resource module (``flow_runs.py``, ``task_runs.py``, ...) is a ``Protocol`` whose methods
are the operations: their names, signatures, docstrings and return types are the contract, and
``@operation(METHOD, PATH)`` says how each travels over HTTP. From this one table:

- the server's routes are derived at start-up (``riverrun.server.api._derived``);
- the clients' backends and the clients' methods are generated source
  (``riverrun.client._operations`` and ``riverrun.client._async``, by
  ``python -m riverrun.client._codegen``; a test fails when they drift);
- ``StoreAPI`` (``store_api.py``), the union of the resources, is what the embedded ``Store``
  and the HTTP backend both satisfy, checked by mypy.

Adding an operation is one method here plus the store method that serves it, then
``scripts/generate``.
"""
