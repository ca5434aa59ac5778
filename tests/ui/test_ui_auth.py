"""Logging in to the UI with an API key, the session cookie, and CSRF on state changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ui_seed import Seed, TestClient

from riverrun._store.api_keys import create_api_key, revoke_api_key
from riverrun._store.service import open_store
from riverrun.server.app import create_app
from riverrun.server.config import ServerConfig


@pytest.fixture
def auth_client(seeded: Seed) -> Iterator[TestClient]:
    with TestClient(
        create_app(ServerConfig(database_url=seeded.url, auth=True)), follow_redirects=False
    ) as c:
        yield c


def _csrf(client: TestClient) -> str:
    page = client.get("/login")
    return str(page.cookies.get("rr_csrf") or client.cookies.get("rr_csrf"))


def _login(client: TestClient, key: str) -> object:
    token = _csrf(client)
    return client.post("/login", data={"api_key": key, "next": "/runs", "csrf": token})


def test_pages_need_a_session_when_auth_is_on(auth_client: TestClient) -> None:
    response = auth_client.get("/runs")
    assert response.status_code == 303 and response.headers["location"].startswith(
        "/login?next=%2Fruns"
    )


def test_fragments_ask_htmx_to_go_to_the_login_page(auth_client: TestClient) -> None:
    response = auth_client.get("/runs", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["hx-redirect"].startswith("/login")


def test_login_with_a_valid_key_sets_a_strict_http_only_session_cookie(
    auth_client: TestClient, seeded: Seed
) -> None:
    _, key = create_api_key(open_store(seeded.url), "ui-ok")
    response = _login(auth_client, key)
    assert response.status_code == 303 and response.headers["location"] == "/runs"  # type: ignore[attr-defined]
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("rr_session="))  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and key not in cookie
    assert auth_client.get("/runs").status_code == 200


def test_login_with_a_wrong_key_says_so(auth_client: TestClient) -> None:
    response = _login(auth_client, "rr_wrong")
    assert response.status_code == 401 and "not valid for this server" in response.text  # type: ignore[attr-defined]


def test_revoking_the_key_ends_its_sessions(auth_client: TestClient, seeded: Seed) -> None:
    store = open_store(seeded.url)
    _, key = create_api_key(store, "ui-revoked")
    _login(auth_client, key)
    assert auth_client.get("/runs").status_code == 200
    revoke_api_key(store, "ui-revoked")
    response = auth_client.get("/runs")
    assert response.status_code == 303 and "revoked" in response.headers["location"]


def test_a_forged_session_cookie_is_refused(auth_client: TestClient) -> None:
    auth_client.cookies.set("rr_session", "not-a-token")
    assert auth_client.get("/runs").status_code == 303


def test_state_changes_need_the_csrf_token(client: TestClient, seeded: Seed) -> None:
    response = client.post(f"/flow-runs/{seeded.running}/cancel")
    assert response.status_code == 403 and "came from another site" in response.text


def test_a_wrong_csrf_token_is_refused(client: TestClient, seeded: Seed) -> None:
    _csrf(client)
    response = client.post(f"/flow-runs/{seeded.running}/cancel", headers={"X-CSRF-Token": "guess"})
    assert response.status_code == 403


def test_login_form_needs_the_csrf_token_too(auth_client: TestClient) -> None:
    assert auth_client.post("/login", data={"api_key": "x"}).status_code == 403


def test_login_never_redirects_to_another_site(auth_client: TestClient, seeded: Seed) -> None:
    _, key = create_api_key(open_store(seeded.url), "ui-next")
    token = _csrf(auth_client)
    response = auth_client.post(
        "/login", data={"api_key": key, "next": "//evil.example/", "csrf": token}
    )
    assert response.headers["location"] == "/"
