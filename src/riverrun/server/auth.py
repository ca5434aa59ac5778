"""API-key authentication, and slowing down addresses that keep presenting bad keys.

With auth on, every route but ``/api/health`` needs ``Authorization: Bearer <key>``. A
refusal says which problem it is — no key, a wrong key, an expired or a revoked one — and
never repeats the key presented (only a known key's name and first characters).
"""

from __future__ import annotations

import math
import threading
import time

from fastapi import HTTPException, Request

_FORGET_AFTER_S = 600.0
_MAX_BLOCK_S = 60.0
_MAX_TRACKED = 10_000


class FailureLimiter:
    """Counts failed key checks per client address and blocks it for growing periods.

    After ``limit`` failures, each further failure blocks the address for twice as long as
    the last (1 s, 2 s, 4 s... up to a minute); a success or ten quiet minutes forgive it.
    """

    def __init__(self, limit: int = 5) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, float, float]] = {}  # count, last, blocked_until

    def blocked_for(self, address: str) -> float:
        """Seconds the address must still wait (0 when it may try)."""
        now = time.monotonic()
        with self._lock:
            entry = self._state.get(address)
            if entry is None:
                return 0.0
            count, last, until = entry
            if now - last > _FORGET_AFTER_S:
                del self._state[address]
                return 0.0
            return max(0.0, until - now)

    def failed(self, address: str) -> None:
        """Record a failed check."""
        now = time.monotonic()
        with self._lock:
            if len(self._state) > _MAX_TRACKED:
                self._state.clear()
            count, _last, _until = self._state.get(address, (0, now, 0.0))
            count += 1
            until = 0.0
            if count >= self.limit:
                until = now + min(_MAX_BLOCK_S, 2.0 ** (count - self.limit))
            self._state[address] = (count, now, until)

    def succeeded(self, address: str) -> None:
        """Forget the address's failures."""
        with self._lock:
            self._state.pop(address, None)


_HINT = "Set RIVERRUN_API_KEY (or run `riverrun login --url URL --key KEY`)."


def require_api_key(request: Request) -> None:
    """Route dependency: pass when auth is off or the request carries a valid key.

    Raises:
        HTTPException: 401 naming the problem, or 429 while the address is slowed down.
    """
    app = request.app
    if not app.state.config.auth:
        return
    from riverrun._store.api_keys import check_api_key

    address = request.client.host if request.client else "unknown"
    limiter: FailureLimiter = app.state.auth_limiter
    wait = limiter.blocked_for(address)
    if wait > 0:
        raise HTTPException(
            429,
            f"Too many failed API key checks from {address}; retry in {math.ceil(wait)} s.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized(f"This riverrun server requires an API key: send "
                            f"`Authorization: Bearer <key>`. {_HINT}")  # fmt: skip
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        limiter.failed(address)
        raise _unauthorized(f"Malformed Authorization header; expected `Bearer <key>`. {_HINT}")
    check = check_api_key(app.state.store, key)
    if check.outcome == "ok":
        limiter.succeeded(address)
        return
    limiter.failed(address)
    if check.outcome == "unknown" or check.key is None:
        raise _unauthorized(
            "The API key is not valid for this server (wrong key). Check RIVERRUN_API_KEY; "
            "`riverrun server api-key create NAME` on the server makes a new one."
        )
    known = check.key
    when = (known.revoked if check.outcome == "revoked" else known.expires) or known.created
    verb = "was revoked" if check.outcome == "revoked" else "expired"
    raise _unauthorized(
        f"The API key {known.name!r} ({known.prefix}...) {verb} on "
        f"{when:%Y-%m-%d %H:%M} UTC. Create a new one with "
        "`riverrun server api-key create NAME` and log in again."
    )


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
