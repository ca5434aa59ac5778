"""Creating and editing a block from its schema, with errors at their fields and secrets
never sent back to the browser."""

from __future__ import annotations

import pytest
from ui_seed import Seed, TestClient, add_block_type

from riverrun._store.service import open_store


@pytest.fixture(scope="module")
def slug(seeded: Seed) -> str:
    return add_block_type(open_store(seeded.url))


def _post(client: TestClient, slug: str, fields: dict[str, str]) -> object:
    client.get("/blocks")
    token = client.cookies.get("rr_csrf")
    return client.post(
        f"/blocks/save/{slug}", data={"csrf": token, **fields}, follow_redirects=False
    )


def test_catalog_lists_the_block_type(client: TestClient, slug: str) -> None:
    assert f'href="/blocks/new/{slug}"' in client.get("/blocks").text


def test_new_block_form_is_drawn_from_the_schema(client: TestClient, slug: str) -> None:
    html = client.get(f"/blocks/new/{slug}").text
    assert (
        'type="number" id="f-p-port" name="p.port" step="1" min="1" max="65535" value="587"' in html
    )
    assert 'type="password"' in html and 'role="switch"' in html


def test_a_bad_value_comes_back_with_the_error_at_its_field(client: TestClient, slug: str) -> None:
    response = _post(
        client, slug, {"name": "mail", "p.host": "smtp", "p.port": "70000", "p.password": "pw"}
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert (
        '<p class="field-error" id="f-p-port-error" role="alert">Must be at most 65535.</p>'
        in response.text
    )  # type: ignore[attr-defined]
    assert 'value="smtp"' in response.text and 'value="70000"' in response.text  # type: ignore[attr-defined]


def test_saving_stores_the_block_and_its_secret_encrypted(
    client: TestClient, slug: str, seeded: Seed
) -> None:
    response = _post(client, slug, {"name": "mail-ok", "p.host": "smtp", "p.port": "25", "p.password": "hunter2",
                                    "p.use_tls": "false"})  # fmt: skip
    assert response.status_code == 303  # type: ignore[attr-defined]
    doc = open_store(seeded.url).read_block_document_by_name("mail-ok", slug)
    assert doc.data == {"host": "smtp", "port": 25, "password": "hunter2", "use_tls": False}
    page = client.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert "hunter2" not in page and "Saved." in page


def test_editing_without_touching_the_secret_keeps_it(
    client: TestClient, slug: str, seeded: Seed
) -> None:
    store = open_store(seeded.url)
    _post(
        client,
        slug,
        {"name": "mail-edit", "p.host": "a", "p.password": "keep-me", "p.use_tls": "false"},
    )
    doc = store.read_block_document_by_name("mail-edit", slug)
    from riverrun.server.ui.forms import SECRET_UNCHANGED

    response = _post(client, slug, {"document_id": doc.id, "p.host": "b", "p.password": SECRET_UNCHANGED,
                                    "p.use_tls": "false"})  # fmt: skip
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert store.read_block_document(doc.id).data["password"] == "keep-me"
    assert store.read_block_document(doc.id).data["host"] == "b"


def test_a_block_needs_a_name(client: TestClient, slug: str) -> None:
    response = _post(client, slug, {"name": "", "p.host": "x", "p.password": "y"})
    assert response.status_code == 422 and "Give the block a name" in response.text  # type: ignore[attr-defined]
