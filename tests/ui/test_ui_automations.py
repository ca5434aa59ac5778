"""The automations pages: list, detail (trigger and actions), enable/disable and delete,
through the automation operations of the table."""

from __future__ import annotations

from ui_seed import Fresh, Seed, TestClient, add_automation


def test_automations_page_lists_trigger_actions_and_status(
    client: TestClient, seeded: Seed
) -> None:
    html = client.get("/automations").text
    assert f'href="/automations/{seeded.automation}"' in html and "page on failure" in html
    assert (
        "Reactive: riverrun.flow-run.Failed" in html
        and '<span class="tag">do-nothing</span>' in html
    )
    assert '<span class="badge ok">Enabled</span>' in html


def test_automation_page_shows_its_trigger_and_actions(client: TestClient, seeded: Seed) -> None:
    html = client.get(f"/automations/{seeded.automation}").text
    assert (
        'id="trigger"' in html
        and "riverrun.flow-run.Failed" in html
        and "riverrun.flow-run.*" in html
    )
    assert 'id="actions"' in html and "When it fires" in html and "do-nothing" in html
    assert "Tells the team when production fails." in html


def test_disable_then_enable_from_the_list(fresh: Fresh) -> None:
    ident = add_automation(fresh.store)
    assert fresh.post(f"/automations/{ident}/disable", {}).status_code == 303
    assert fresh.store.read_automation(ident).enabled is False  # type: ignore[union-attr]
    assert 'aria-label="Enable page on failure"' in fresh.client.get("/automations").text
    fresh.post(f"/automations/{ident}/enable", {})
    assert fresh.store.read_automation(ident).enabled is True  # type: ignore[union-attr]


def test_delete_from_the_page_removes_it_and_says_so(fresh: Fresh) -> None:
    ident = add_automation(fresh.store)
    response = fresh.post(f"/automations/{ident}/delete", {})
    assert response.status_code == 303 and fresh.store.read_automation(ident) is None
    assert (
        "Deleted &#39;page on failure&#39;." in fresh.client.get(response.headers["location"]).text
    )


def test_automation_actions_need_the_csrf_token(fresh: Fresh) -> None:
    ident = add_automation(fresh.store)
    assert fresh.client.post(f"/automations/{ident}/delete").status_code == 403
    assert fresh.store.read_automation(ident) is not None


def test_unknown_automation_is_a_404_naming_it(client: TestClient) -> None:
    response = client.get("/automations/01a23500-0000-7000-8000-000000000000")
    assert response.status_code == 404 and "No automation has the ID" in response.text


def test_empty_automations_page_says_how_to_make_one(fresh: Fresh) -> None:
    assert "riverrun automation create" in fresh.client.get("/automations").text
