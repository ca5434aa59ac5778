"""Browser sessions and CSRF for the web UI.

With auth on, ``/login`` takes an API key and sets ``rr_session``: the key encrypted with the
server's Fernet key (``RIVERRUN_SERVER_ENCRYPTION_KEY``, else ``$RIVERRUN_HOME/fernet.key``),
HttpOnly and SameSite=Strict, valid 12 hours. Every page and fragment decrypts it and checks
the key again, so revoking the key ends its sessions at once, and replicas sharing the
encryption key share the sessions.

Every state-changing request (auth on or off) must carry the CSRF token: a random value in the
``rr_csrf`` cookie that the page repeats in a form field or the ``X-CSRF-Token`` header. A
page on another site can make the browser send the cookie, but cannot read it to repeat it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from fastapi import Request, Response

if TYPE_CHECKING:
    from riverrun._store.service import Store

SESSION_COOKIE = "rr_session"
CSRF_COOKIE = "rr_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
SESSION_TTL_S = 12 * 3600


class LoginRequired(Exception):
    """The request has no valid session; the UI answers with the login page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfFailed(Exception):
    """A state-changing request without the page's CSRF token."""


def _fernet():  # type: ignore[no-untyped-def]
    from riverrun._store.encryption import get_fernet

    return get_fernet()


def check_key(store: Store, key: str) -> str | None:
    """None if the key is valid now, else what is wrong with it (for the login page)."""
    from riverrun._store.api_keys import check_api_key

    outcome = check_api_key(store, key).outcome
    if outcome == "ok":
        return None
    if outcome == "unknown":
        return "That API key is not valid for this server. `riverrun server api-key create NAME` makes one."
    return (
        f"That API key is {outcome}. Create a new one with `riverrun server api-key create NAME`."
    )


def start_session(response: Response, key: str) -> None:
    """Set the session cookie for a key already checked."""
    token = _fernet().encrypt(key.encode()).decode()
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL_S, httponly=True,
                        samesite="strict", path="/")  # fmt: skip


def end_session(response: Response) -> None:
    """Forget the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def require_session(request: Request) -> None:
    """Pass when auth is off or the session cookie holds a key that is valid now.

    Raises:
        LoginRequired: no cookie, an expired or forged one, or a key no longer valid.
    """
    if not request.app.state.config.auth:
        return
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired("Log in with an API key to use this server.")
    from cryptography.fernet import InvalidToken

    try:
        key = _fernet().decrypt(token.encode(), ttl=SESSION_TTL_S).decode()
    except InvalidToken:
        raise LoginRequired("Your session expired; log in again.") from None
    problem = check_key(request.app.state.store, key)
    if problem:
        raise LoginRequired(problem)


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser (made on its first page)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(24)
    return str(token)


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Send the CSRF cookie if this request made the token."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The submitted ``application/x-www-form-urlencoded`` fields, in order (read once).

    The UI's forms are all urlencoded, so this needs no multipart parser; the body is already
    bounded by the server's request size limit.
    """
    cached = getattr(request.state, "form_pairs", None)
    if cached is None:
        from urllib.parse import parse_qsl

        body = (await request.body()).decode("utf-8", errors="replace")
        cached = request.state.form_pairs = parse_qsl(body, keep_blank_values=True)
    return list(cached)


async def require_csrf(request: Request) -> None:
    """Route dependency of every POST: the form field or header must repeat the cookie.

    Raises:
        CsrfFailed: the token is missing or differs.
    """
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        sent = dict(await form_pairs(request)).get(CSRF_FIELD, "")
    if not cookie or not hmac.compare_digest(cookie, sent):
        raise CsrfFailed()
