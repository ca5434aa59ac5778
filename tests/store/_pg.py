"""PostgreSQL scratch databases for the store tests (the server at 127.0.0.1:5432)."""

from __future__ import annotations

import uuid

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def pg_url(dbname: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"


def create_pg_database() -> str:
    import psycopg

    name = f"riverrun_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
