"""The store: riverrun's service layer over SQLite or PostgreSQL (the only place that knows SQL).

Importing this package is cheap; SQLAlchemy and Alembic are imported by the modules that use
them, so the embedded recorder's SQLite fast path never pays for them.
"""
