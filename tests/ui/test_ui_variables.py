"""Variables from the UI: create, edit, delete, through the variable operations; what is
refused comes back at its field."""

from __future__ import annotations

import html
import re

from ui_seed import Fresh


def _error(text: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" role="alert">([^<]+)<', text)
    assert found, f"no error at {field}"
    return html.unescape(found.group(1))


def test_create_a_variable_with_a_json_value_and_tags(fresh: Fresh) -> None:
    form = {
        "name": "slack_channel",
        "value": '{"room": "#ops", "mention": true}',
        "tags": "ops, alerts",
    }
    response = fresh.post("/variables", form)
    assert response.status_code == 303 and "Created+the+variable" in response.headers["location"]
    made = fresh.store.read_variable_by_name("slack_channel")
    assert made is not None and made.value == {"room": "#ops", "mention": True}
    assert made.tags == ["ops", "alerts"]


def test_a_value_that_is_not_json_is_refused_at_its_field(fresh: Fresh) -> None:
    response = fresh.post("/variables", {"name": "greeting", "value": "hello"})
    assert response.status_code == 422
    assert _error(response.text, "v-value").startswith("Not valid JSON")
    assert 'name="name" value="greeting"' in response.text
    assert fresh.store.read_variable_by_name("greeting") is None


def test_a_name_taken_is_refused_at_its_field(fresh: Fresh) -> None:
    fresh.store.create_variable("greeting", "hi")
    response = fresh.post("/variables", {"name": "greeting", "value": '"hello"'})
    assert response.status_code == 422
    assert _error(response.text, "v-name").startswith("A variable named 'greeting' already exists")


def test_no_name_is_refused_at_its_field(fresh: Fresh) -> None:
    response = fresh.post("/variables", {"name": " ", "value": "1"})
    assert response.status_code == 422 and _error(response.text, "v-name").startswith("Give")


def test_edit_a_variables_value_and_tags(fresh: Fresh) -> None:
    fresh.store.create_variable("path/with slash", [1, 2], ["a"])
    page = fresh.client.get("/variables/edit", params={"name": "path/with slash"}).text
    assert "[\n  1,\n  2\n]" in html.unescape(page)
    response = fresh.post("/variables/edit?name=path%2Fwith%20slash", {"value": "3", "tags": "b"})
    assert response.status_code == 303
    changed = fresh.store.read_variable_by_name("path/with slash")
    assert changed is not None and (changed.value, changed.tags) == (3, ["b"])


def test_a_bad_edit_keeps_the_stored_value(fresh: Fresh) -> None:
    fresh.store.create_variable("limit", 5)
    response = fresh.post("/variables/edit?name=limit", {"value": "{oops", "tags": ""})
    assert response.status_code == 422 and _error(response.text, "ve-value")
    assert fresh.store.read_variable_by_name("limit").value == 5  # type: ignore[union-attr]


def test_delete_a_variable(fresh: Fresh) -> None:
    fresh.store.create_variable("old", 1)
    assert 'aria-label="Delete old"' in fresh.client.get("/variables").text
    assert fresh.post("/variables/delete", {"name": "old"}).status_code == 303
    assert fresh.store.read_variable_by_name("old") is None


def test_an_unknown_variable_is_a_404_naming_it(fresh: Fresh) -> None:
    response = fresh.client.get("/variables/edit", params={"name": "nope"})
    assert response.status_code == 404 and "No variable named" in response.text
