"""API keys of a riverrun server: created once, shown once, stored only as SHA-256 hashes.

A key is ``rr_`` followed by 43 URL-safe characters (256 random bits). High entropy makes a
plain SHA-256 the right hash: there is nothing to brute-force, and checking a request costs
one indexed lookup instead of a deliberately slow KDF.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from riverrun._internal.clock import from_us, now_us
from riverrun._internal.ids import new_id
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound

KEY_PREFIX = "rr_"
# How much of a key listings show: enough to tell keys apart, far too little to guess one.
_SHOWN_CHARS = 8


@dataclass(frozen=True)
class ApiKey:
    """An API key as listed: never the key itself, only its first characters."""

    id: str
    name: str
    prefix: str
    created: datetime
    expires: datetime | None
    revoked: datetime | None

    @property
    def status(self) -> Literal["active", "expired", "revoked"]:
        """``active``, ``expired`` or ``revoked`` (now)."""
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and self.expires.timestamp() * 1e6 <= now_us():
            return "expired"
        return "active"


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of checking a presented key: ``ok``, ``unknown``, ``expired`` or ``revoked``."""

    outcome: Literal["ok", "unknown", "expired", "revoked"]
    key: ApiKey | None = None


def hash_key(key: str) -> str:
    """The SHA-256 hex digest a key is stored and looked up as."""
    return hashlib.sha256(key.encode()).hexdigest()


def _row_to_key(row: sa.Row) -> ApiKey:
    m = row._mapping
    return ApiKey(
        id=m["id"], name=m["name"], prefix=m["prefix"], created=from_us(m["created"]),
        expires=None if m["expires"] is None else from_us(m["expires"]),
        revoked=None if m["revoked"] is None else from_us(m["revoked"]),
    )  # fmt: skip


def create_api_key(
    store: StoreBase, name: str, expires_in: timedelta | None = None
) -> tuple[ApiKey, str]:
    """Create a key named ``name``; return it listed and the key itself (shown only once).

    Raises:
        ObjectAlreadyExists: an active key already has that name.
    """
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = now_us()
    expires = None if expires_in is None else now + int(expires_in.total_seconds() * 1e6)
    row = {"id": new_id(), "name": name, "prefix": key[:_SHOWN_CHARS], "hash": hash_key(key),
           "created": now, "expires": expires, "revoked": None}  # fmt: skip
    with store.begin() as conn:
        for existing in conn.execute(sa.select(t.api_key).where(t.api_key.c.name == name)):
            if _row_to_key(existing).status == "active":
                raise ObjectAlreadyExists(
                    f"An active API key named {name!r} already exists; revoke it with "
                    f"`riverrun server api-key revoke {name}` or choose another name."
                )
        conn.execute(t.api_key.insert().values(**row))
        created = conn.execute(sa.select(t.api_key).where(t.api_key.c.id == row["id"])).one()
    return _row_to_key(created), key


def list_api_keys(store: StoreBase) -> list[ApiKey]:
    """Every key, oldest first, with its status."""
    with store.connect() as conn:
        rows = conn.execute(sa.select(t.api_key).order_by(t.api_key.c.created)).all()
    return [_row_to_key(r) for r in rows]


def any_active_api_key(store: StoreBase) -> bool:
    """Whether at least one key is neither revoked nor expired."""
    now = now_us()
    c = t.api_key.c
    query = (
        sa.select(c.id)
        .where(c.revoked.is_(None), sa.or_(c.expires.is_(None), c.expires > now))
        .limit(1)
    )
    with store.connect() as conn:
        return conn.execute(query).first() is not None


def revoke_api_key(store: StoreBase, name_or_id: str) -> list[ApiKey]:
    """Revoke the active key(s) with this name, or the key with this ID.

    Raises:
        ObjectNotFound: no active key has that name or ID.
    """
    c = t.api_key.c
    with store.begin() as conn:
        where = sa.and_(sa.or_(c.name == name_or_id, c.id == name_or_id), c.revoked.is_(None))
        ids = [r.id for r in conn.execute(sa.select(c.id).where(where))]
        if not ids:
            raise ObjectNotFound(
                f"No unrevoked API key named or with ID {name_or_id!r}; "
                "`riverrun server api-key ls` lists them."
            )
        conn.execute(t.api_key.update().where(c.id.in_(ids)).values(revoked=now_us()))
        rows = conn.execute(sa.select(t.api_key).where(c.id.in_(ids))).all()
    return [_row_to_key(r) for r in rows]


def check_api_key(store: StoreBase, key: str) -> KeyCheck:
    """Whether a presented key is valid now, and if not, why (unknown, expired, revoked)."""
    with store.connect() as conn:
        row = conn.execute(sa.select(t.api_key).where(t.api_key.c.hash == hash_key(key))).first()
    if row is None:
        return KeyCheck("unknown")
    found = _row_to_key(row)
    status = found.status
    return KeyCheck("ok" if status == "active" else status, found)


__all__ = [
    "KEY_PREFIX",
    "ApiKey",
    "KeyCheck",
    "any_active_api_key",
    "check_api_key",
    "create_api_key",
    "hash_key",
    "list_api_keys",
    "revoke_api_key",
]
