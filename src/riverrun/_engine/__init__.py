"""The engine: runs flows and tasks, decides their states, hands events to the recorder.

Pure decisions live in ``decisions``; ``steps`` describe a run as a generator of
instructions; ``drivers`` execute them synchronously or with asyncio. Nothing here imports
the server or a web framework.
"""
