"""``riverrun automation`` and ``riverrun events stream``, run through the CLI app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from riverrun._cli.main import app
from riverrun.automations import Automation
from riverrun.events import emit_event

YAML = """
automations:
  - name: pro failures
    trigger:
      type: event
      expect: [riverrun.flow-run.Failed]
      match_related: {riverrun.resource.id: riverrun.tag.env:pro}
    actions:
      - type: do-nothing
"""


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_create_from_yaml_then_ls_and_inspect(tmp_path: Path) -> None:
    path = tmp_path / "automations.yaml"
    path.write_text(YAML)
    created = _cli("automation", "create", "--from-file", str(path))
    assert created.exit_code == 0, created.output
    listed = json.loads(_cli("automation", "ls", "--json").stdout)
    assert [a["name"] for a in listed] == ["pro failures"]
    shown = _cli("automation", "inspect", "pro failures")
    assert "riverrun.flow-run.Failed" in shown.stdout


def test_create_from_json_refuses_a_bad_field_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "x", "trigger": {"type": "event", "threshold": 0}}))
    result = _cli("automation", "create", "-f", str(path))
    assert result.exit_code == 1
    assert "trigger.event.threshold" in result.output


def test_pause_resume_and_delete_by_name() -> None:
    automation = Automation.model_validate({"name": "a", "trigger": {"type": "event"}}).create()
    assert _cli("automation", "pause", "a").exit_code == 0
    assert Automation.read(id=automation.id).enabled is False
    assert _cli("automation", "resume", "a").exit_code == 0
    assert Automation.read(id=automation.id).enabled is True
    assert _cli("automation", "delete", "a").exit_code == 0
    missing = _cli("automation", "inspect", "a")
    assert missing.exit_code == 1 and "No automation named 'a'" in missing.output


def test_events_stream_prints_matching_events_as_json() -> None:
    emit_event("other.thing", resource={"riverrun.resource.id": "x"})
    emit_event("shop.order.paid", resource={"riverrun.resource.id": "shop.order.9"})
    result = _cli(
        "events", "stream", "--since", "1h", "--event", "shop.*", "--format", "json", "--run-once"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["resource"]["riverrun.resource.id"] == "shop.order.9"


def test_create_of_a_proactive_trigger_without_a_server_warns(tmp_path: Path) -> None:
    path = tmp_path / "proactive.yaml"
    path.write_text(
        "name: stuck runs\ntrigger:\n  type: event\n  posture: Proactive\n  after: "
        "[riverrun.flow-run.Running]\n  expect: [riverrun.flow-run.Completed]\n  within: 7200\n"
        "actions:\n  - type: do-nothing\n"
    )
    created = _cli("automation", "create", "-f", str(path))
    assert created.exit_code == 0, created.output
    assert "Warning" in created.output and "server" in created.output
