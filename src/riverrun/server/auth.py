"""API-key authentication, and slowing down whoever keeps presenting bad keys.

With auth on, every route but ``/api/health`` needs ``Authorization: Bearer <key>``. A
refusal says which problem it is — no key, a wrong key, an expired or a revoked one — and
never repeats the key presented (only a known key's name and first characters).

Failed checks are counted per client address and per presented key (by its hash). Past the
limit, a request whose key is not valid gets 429 with ``Retry-After`` — but a request with a
valid key is always served, whatever its address did: otherwise anyone who can reach the
server could lock a team out (and make their recorders drop runs) by sending bad keys from
the same address or NAT. Keys are 256 random bits, so the throttle is there against noise
and load, not to make guessing feasible or not; a key that failed is not looked up again
while it is throttled.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

if TYPE_CHECKING:
    from riverrun._store.api_keys import KeyCheck

_FORGET_AFTER_S = 600.0
_MAX_BLOCK_S = 60.0
_MAX_TRACKED = 10_000


class FailureLimiter:
    """Counts failed key checks per client (an address, or a key's hash) and slows it down.

    After ``limit`` failures, each further failure blocks the client for twice as long as
    the last (1 s, 2 s, 4 s... up to a minute); ``succeeded`` or ten quiet minutes forgive it.
    """

    def __init__(self, limit: int = 5) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, float, float]] = {}  # count, last, blocked_until

    def blocked_for(self, address: str) -> float:
        """Seconds the client must still wait (0 when it may try)."""
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


class AuthLimiters:
    """The two throttles of failed key checks: per client address and per presented key."""

    def __init__(self, limit: int = 5) -> None:
        self.by_address = FailureLimiter(limit)
        self.by_key = FailureLimiter(limit)

    def failed(self, address: str, key_hash: str | None) -> None:
        """Count a failed check against the address and the key presented."""
        self.by_address.failed(address)
        if key_hash is not None:
            self.by_key.failed(key_hash)

    def refuse_if_throttled(
        self, address: str, key_hash: str | None, then: HTTPException
    ) -> HTTPException:
        """``then`` (the 401), or a 429 with Retry-After if the address or key is throttled."""
        wait = self.by_address.blocked_for(address)
        who = f"from {address}"
        if key_hash is not None and self.by_key.blocked_for(key_hash) > wait:
            wait, who = self.by_key.blocked_for(key_hash), "with this key"
        if wait <= 0:
            return then
        seconds = math.ceil(wait)
        return HTTPException(
            429,
            f"Too many failed API key checks {who}; retry in {seconds} s. {then.detail}",
            headers={"Retry-After": str(seconds)},
        )


def require_api_key(request: Request) -> None:
    """Route dependency: pass when auth is off or the request carries a valid key.

    A valid key is accepted even while its address is throttled.

    Raises:
        HTTPException: 401 naming the problem, or 429 (with Retry-After) instead while the
            address or the key presented is throttled for repeated failures.
    """
    app = request.app
    if not app.state.config.auth:
        return
    from riverrun._store.api_keys import check_api_key, hash_key

    address = request.client.host if request.client else "unknown"
    limiters: AuthLimiters = app.state.auth_limiter
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized(f"This riverrun server requires an API key: send "
                            f"`Authorization: Bearer <key>`. {_HINT}")  # fmt: skip
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        refusal = limiters.refuse_if_throttled(address, None, _unauthorized(
            f"Malformed Authorization header; expected `Bearer <key>`. {_HINT}"))  # fmt: skip
        limiters.failed(address, None)
        raise refusal
    key_hash = hash_key(key)
    if limiters.by_key.blocked_for(key_hash) > 0:
        # This very key failed again and again: do not look it up once more.
        raise limiters.refuse_if_throttled(address, key_hash, _unauthorized(_WRONG_KEY))
    check = check_api_key(app.state.store, key)
    if check.outcome == "ok":
        limiters.by_key.succeeded(key_hash)
        return
    # Throttled or not is decided before this failure counts: the limit-th failure is
    # still told what is wrong with the key.
    refusal = limiters.refuse_if_throttled(address, key_hash, _refusal(check))
    limiters.failed(address, key_hash)
    raise refusal


_WRONG_KEY = ("The API key is not valid for this server (wrong key). Check RIVERRUN_API_KEY; "
              "`riverrun server api-key create NAME` on the server makes a new one.")  # fmt: skip


def _refusal(check: KeyCheck) -> HTTPException:
    if check.outcome == "unknown" or check.key is None:
        return _unauthorized(_WRONG_KEY)
    known = check.key
    when = (known.revoked if check.outcome == "revoked" else known.expires) or known.created
    verb = "was revoked" if check.outcome == "revoked" else "expired"
    return _unauthorized(
        f"The API key {known.name!r} ({known.prefix}...) {verb} on "
        f"{when:%Y-%m-%d %H:%M} UTC. Create a new one with "
        "`riverrun server api-key create NAME` and log in again."
    )


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
