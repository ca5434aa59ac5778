"""The riverrun server: the HTTP API over a store on SQLite or PostgreSQL.

A thin shell: each resource module under ``riverrun.server.api`` reads the same way —
schemas (``riverrun.schemas``, the one shared set) → store method → route. The
server imports neither the engine nor user code, and ``import riverrun`` never imports it.

Example:
    >>> from riverrun.server.app import create_app
    >>> app = create_app(ServerConfig(database_url="sqlite:///runs.db"))
"""
