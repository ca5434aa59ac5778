"""API keys: created by the CLI, checked on every route but health, refusals say why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from riverrun.client._http import HttpBackend, RiverrunServerUnreachable
from riverrun.exceptions import RiverrunHTTPStatusError
from riverrun.server.testing import ServerProcess, free_port


def _create_key(server: ServerProcess, name: str, *extra: str) -> str:
    done = server.cli("server", "api-key", "create", name, *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def auth_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, dict[str, str]]]:
    proc = ServerProcess(tmp_path_factory.mktemp("auth-home"), auth=True)
    keys = {name: _create_key(proc, name) for name in ("good", "revoked")}
    keys["expired"] = _create_key(proc, "expired", "--expires-in", "0s")
    assert proc.cli("server", "api-key", "revoke", "revoked").returncode == 0
    with proc:
        yield proc, keys


def _get(server: ServerProcess, path: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{server.api_url}/{path}", headers=headers, timeout=10)


def test_keys_are_printed_once_with_the_rr_prefix(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    _server, keys = auth_server
    assert all(key.startswith("rr_") and len(key) > 40 for key in keys.values())


def test_health_needs_no_key(auth_server: tuple[ServerProcess, dict[str, str]]) -> None:
    assert _get(auth_server[0], "health").status_code == 200


def test_a_good_key_is_accepted(auth_server: tuple[ServerProcess, dict[str, str]]) -> None:
    server, keys = auth_server
    assert _get(server, "version", keys["good"]).status_code == 200


def test_no_key_is_401_saying_a_key_is_needed(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    response = _get(auth_server[0], "version")
    assert response.status_code == 401 and "requires an API key" in response.json()["detail"]


def test_wrong_key_is_401_saying_wrong_key(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    response = _get(auth_server[0], "version", "rr_not-a-real-key")
    assert response.status_code == 401 and "wrong key" in response.json()["detail"]


def test_revoked_key_is_401_saying_revoked(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    server, keys = auth_server
    response = _get(server, "version", keys["revoked"])
    assert response.status_code == 401 and "'revoked'" in response.json()["detail"]
    assert "was revoked on" in response.json()["detail"]


def test_expired_key_is_401_saying_expired(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    server, keys = auth_server
    response = _get(server, "version", keys["expired"])
    assert response.status_code == 401 and "expired on" in response.json()["detail"]


def test_api_key_ls_shows_status_but_never_the_key(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    server, keys = auth_server
    listing = server.cli("server", "api-key", "ls", "--json")
    assert listing.returncode == 0
    statuses = {k["name"]: k["status"] for k in __import__("json").loads(listing.stdout)}
    assert statuses == {"good": "active", "revoked": "revoked", "expired": "expired"}
    assert not any(key in listing.stdout for key in keys.values())


def test_keys_never_appear_in_server_logs(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    server, keys = auth_server
    _get(server, "flow_runs/00000000-0000-0000-0000-000000000000", keys["good"])
    _get(server, "version", keys["revoked"])
    _get(server, "version", "rr_wrong-key-for-the-log-test")
    log = server.log()
    assert "GET /api/version" in log
    assert not any(key in log for key in [*keys.values(), "rr_wrong-key-for-the-log-test"])


def test_http_backend_raises_a_clear_error_for_a_wrong_key(
    auth_server: tuple[ServerProcess, dict[str, str]],
) -> None:
    backend = HttpBackend(SimpleNamespace(api_url=auth_server[0].api_url, api_key="rr_nope"))  # type: ignore[arg-type]
    with pytest.raises(RiverrunHTTPStatusError, match="wrong key"):
        backend.count_flow_runs()


def test_http_backend_names_the_url_of_an_unreachable_server() -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    backend = HttpBackend(SimpleNamespace(api_url=url, api_key=None))  # type: ignore[arg-type]
    with pytest.raises(RiverrunServerUnreachable, match=url):
        backend.read_flow_runs()


def test_login_writes_the_profile_and_logout_removes_it(
    auth_server: tuple[ServerProcess, dict[str, str]], tmp_path: Path
) -> None:
    server, keys = auth_server
    client_side = ServerProcess(tmp_path / "laptop")  # only for its environment and cli()
    done = client_side.cli("login", "--url", server.api_url, "--key", keys["good"])
    assert done.returncode == 0, done.stderr
    profile = (tmp_path / "laptop" / "profiles.toml").read_text()
    assert server.api_url in profile and keys["good"] in profile
    assert client_side.cli("logout").returncode == 0
    assert "RIVERRUN_API" not in (tmp_path / "laptop" / "profiles.toml").read_text()


def test_login_with_a_revoked_key_fails_with_one_line(
    auth_server: tuple[ServerProcess, dict[str, str]], tmp_path: Path
) -> None:
    server, keys = auth_server
    client_side = ServerProcess(tmp_path / "laptop")
    done = client_side.cli("login", "--url", server.api_url, "--key", keys["revoked"])
    assert done.returncode == 1 and "was revoked on" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "laptop" / "profiles.toml").exists()


def test_repeated_failures_from_one_address_get_429(home: Path) -> None:
    proc = ServerProcess(home, auth=True)
    _create_key(proc, "only")
    with proc:
        statuses = [_get(proc, "version", f"rr_guess-{i}").status_code for i in range(7)]
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:]


def test_refuses_to_listen_beyond_loopback_without_a_key(home: Path) -> None:
    proc = ServerProcess(home)
    done = proc.cli("server", "start", "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 1 and "Refusing to listen on 0.0.0.0 with no API key" in done.stderr


def test_insecure_no_auth_serves_beyond_loopback_with_a_warning(home: Path) -> None:
    # Listens on every address of this machine; the test only ever talks to 127.0.0.1.
    with ServerProcess(home, args=["--host", "0.0.0.0", "--insecure-no-auth"]) as proc:
        assert _get(proc, "version", None).status_code == 200
    assert "without authentication (--insecure-no-auth)" in proc.log()
