"""A newcomer's first hour (issue 17), each step run as a user runs it: a script or the
installed ``riverrun`` command in a subprocess, with a fresh RIVERRUN_HOME."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from riverrun.server.testing import ServerProcess

REPO = Path(__file__).parents[2]
RIVERRUN = Path(sys.executable).with_name("riverrun")


def run(*args: str, home: Path, env: dict[str, str] | None = None,
        cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """A command as a user runs it: a clean environment but for RIVERRUN_HOME."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    full = {**base, "RIVERRUN_HOME": str(home), "COLUMNS": "200", **(env or {})}
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                          env=full, cwd=cwd)  # fmt: skip


def riverrun(*args: str, home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return run(str(RIVERRUN), *args, home=home, **kwargs)  # type: ignore[arg-type]


# -- 1. scripts/demo and scripts/setup say what they do ---------------------------------------


def test_demo_says_what_it_runs_and_shows_the_tree(tmp_path: Path) -> None:
    result = run(str(REPO / "scripts" / "demo"), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"demo: running examples/demo.py; its runs are recorded in {tmp_path}" in result.stderr
    assert "vtasks  (" in result.stdout
    assert "└── vtasks.expensor" in result.stdout


@pytest.mark.slow
def test_first_setup_prints_a_line_per_step(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup", project / "scripts" / "setup")
    (project / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["hatchling>=1.18"]
        build-backend = "hatchling.build"
        [project]
        name = "first-hour-probe"
        version = "0.1"
        [project.optional-dependencies]
        dev = []
        [tool.hatch.build.targets.wheel]
        packages = ["probe"]
    """))  # fmt: skip
    (project / "probe").mkdir()
    (project / "probe" / "__init__.py").write_text("")
    first = run(str(project / "scripts" / "setup"), home=tmp_path, cwd=project,
                env={"PYTHON": sys.executable})  # fmt: skip
    assert first.returncode == 0, first.stderr
    steps = [line for line in first.stderr.splitlines() if line.startswith("setup: ")]
    assert steps[0].startswith("setup: creating .venv with Python")
    assert "about a minute" in steps[0]
    assert "pip's progress follows" in steps[2]
    assert re.fullmatch(r"setup: done in \d+ s: .*", steps[-1])
    again = run(str(project / "scripts" / "setup"), home=tmp_path, cwd=project,
                env={"PYTHON": sys.executable})  # fmt: skip
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_setup_names_the_python_it_needs(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup", project / "scripts" / "setup")
    result = run(str(project / "scripts" / "setup"), home=tmp_path, cwd=project,
                 env={"PYTHON": str(tmp_path / "no-such-python")})  # fmt: skip
    assert result.returncode == 1
    assert "riverrun needs Python 3.10 or newer" in result.stderr
    assert "PYTHON=python3.11" in result.stderr


# -- 2. the README's query finds the demo's runs; the CLI says what it filters -------------------


def _readme_query() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    return next(b for b in blocks if "read_flow_runs" in b)


def test_readme_query_example_finds_the_demo_runs(tmp_path: Path) -> None:
    assert run(sys.executable, "examples/demo.py", home=tmp_path).returncode == 0
    script = tmp_path / "query.py"
    script.write_text(_readme_query())
    result = run(sys.executable, str(script), home=tmp_path)
    assert result.returncode == 0, result.stderr
    flows = sorted(line.split()[0] for line in result.stdout.splitlines())
    assert flows == ["vtasks", "vtasks.backup", "vtasks.expensor"]


def test_flow_run_ls_filters_flow_names_with_flow_and_run_names_with_name(tmp_path: Path) -> None:
    assert run(sys.executable, "examples/demo.py", home=tmp_path).returncode == 0
    by_flow = json.loads(
        riverrun("flow-run", "ls", "--flow", "vtasks", "--json", home=tmp_path).stdout
    )
    assert {r["flow_name"] for r in by_flow} == {"vtasks", "vtasks.backup", "vtasks.expensor"}
    exact = json.loads(
        riverrun("flow-run", "ls", "--flow-name", "vtasks", "--json", home=tmp_path).stdout
    )
    assert [r["flow_name"] for r in exact] == ["vtasks"]
    run_name = exact[0]["name"]
    by_name = json.loads(
        riverrun("flow-run", "ls", "--name", run_name, "--json", home=tmp_path).stdout
    )
    assert [r["id"] for r in by_name] == [exact[0]["id"]]
    assert (
        json.loads(riverrun("flow-run", "ls", "--name", "vtasks", "--json", home=tmp_path).stdout)
        == []
    )
    help_text = riverrun("flow-run", "ls", "--help", home=tmp_path).stdout
    assert "run name (e.g. spry-koala)" in help_text
    assert "for flow names use --flow" in help_text


# -- 3. the README and scripts/test say that PostgreSQL is needed, and how to do without -------


def test_readme_says_which_tests_need_postgresql() -> None:
    readme = (REPO / "README.md").read_text()
    assert "PostgreSQL at 127.0.0.1:5432" in readme
    assert "scripts/test -m 'not postgres'" in readme


def test_scripts_test_explains_a_missing_postgresql(tmp_path: Path) -> None:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for name in ("pg_isready", "pg_ctlcluster"):
        (fake_bin / name).write_text("#!/bin/sh\nexit 2\n")
        (fake_bin / name).chmod(0o755)
    env = {"PATH": f"{fake_bin}:{os.environ['PATH']}"}
    result = run(str(REPO / "scripts" / "test"), "--collect-only", home=tmp_path, env=env)
    assert result.returncode == 1
    assert "PostgreSQL is not answering at 127.0.0.1:5432" in result.stderr
    assert "scripts/test -m 'not postgres'" in result.stderr
    assert "== pytest" not in result.stdout


# -- 4. server settings are checked before anything starts ------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--port", "99999"], {}, "--port is 99999"),
        (
            [],
            {"RIVERRUN_SERVER_PORT": "99999"},
            "RIVERRUN_SERVER_PORT (from the environment) is 99999",
        ),
        (["--host", "not a host"], {}, "--host is 'not a host'"),
    ],
    ids=["option", "setting", "host"],
)
def test_server_start_names_a_bad_setting_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], named: str
) -> None:
    result = riverrun("server", "start", *args, home=tmp_path, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {named}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_server_start_on_a_busy_port_says_so(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "first") as server:
        result = riverrun("server", "start", "--port", str(server.port), home=tmp_path / "second",
                          timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{server.port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_server_start_says_how_to_record_into_it(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "server") as server:
        banner = server.log()
    assert f"RIVERRUN_API_URL={server.api_url} python my_flow.py" in banner
    assert f"riverrun login --url {server.api_url}" in banner


# -- 5. login says when the server does not check keys ----------------------------------------


def test_login_to_a_server_with_auth_off_says_the_key_was_not_checked(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "server") as server:
        result = riverrun("login", "--url", server.api_url, "--key", "rr_wrong", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "this server has auth off" in result.stdout
    assert "the key was not checked" in result.stdout


def test_login_to_a_server_with_auth_on_refuses_a_wrong_key(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "server", auth=True) as server:
        result = riverrun("login", "--url", server.api_url, "--key", "rr_wrong", home=tmp_path)
    assert result.returncode == 1
    assert "Logged in" not in result.stdout


# -- 6. reset keeps blocks and variables, and lists what goes --------------------------------

SAVE_BLOCK = """
from riverrun import flow
from riverrun.blocks.system import Secret
from riverrun.variables import Variable

@flow
def hello() -> None:
    return None

hello()
Secret(value="hunter2").save("db-password-for-the-production-warehouse")
Variable.set("answer", 42)
"""


def test_reset_keeps_blocks_and_variables_unless_asked(tmp_path: Path) -> None:
    script = tmp_path / "save.py"
    script.write_text(SAVE_BLOCK)
    assert run(sys.executable, str(script), home=tmp_path).returncode == 0
    reset = riverrun("reset", "--yes", home=tmp_path)
    assert reset.returncode == 0, reset.stderr
    assert "This deletes:\n  - 1 flow run, 0 task runs, " in reset.stdout
    assert "It keeps 1 block, 1 variable" in reset.stdout
    assert json.loads(riverrun("flow-run", "ls", "--json", home=tmp_path).stdout) == []
    blocks = json.loads(riverrun("block", "ls", "--json", home=tmp_path).stdout)
    assert [b["name"] for b in blocks] == ["db-password-for-the-production-warehouse"]
    everything = riverrun("reset", "--yes", "--include-blocks", home=tmp_path)
    assert everything.returncode == 0, everything.stderr
    assert json.loads(riverrun("block", "ls", "--json", home=tmp_path).stdout) == []


# -- 7. block ls never cuts a name ------------------------------------------------------------


def test_block_create_says_how_to_load_it_as_the_guide_does(tmp_path: Path) -> None:
    result = riverrun("block", "create", "slack-webhook", "--name", "slack",
                      "--json", '{"url": "https://hooks.example/x"}', home=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "SlackWebhook.load('slack')" in result.stdout
    assert "Block.load('slack-webhook/slack')" in result.stdout


def test_block_ls_shows_whole_names_in_a_narrow_terminal(tmp_path: Path) -> None:
    script = tmp_path / "save.py"
    script.write_text(SAVE_BLOCK)
    assert run(sys.executable, str(script), home=tmp_path).returncode == 0
    result = riverrun("block", "ls", home=tmp_path, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "secret/db-password-for-the-production-warehouse" in result.stdout
    assert "…" not in result.stdout


# -- 8. a zero interval is "not greater than 0" --------------------------------------------------


def test_zero_retention_interval_says_it_must_be_greater_than_zero(tmp_path: Path) -> None:
    result = riverrun("server", "start", "--retention-interval", "0", home=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "'0' is not greater than 0; write e.g. 1h or 90s." in result.stderr
    assert "not a duration" not in result.stderr


# -- 9. one help style, with examples, at every level ------------------------------------------


def _all_commands(home: Path) -> list[list[str]]:
    listing = subprocess.run(
        [sys.executable, "-c", textwrap.dedent("""
            import json
            from typer.main import get_command
            from riverrun._cli.main import app
            root = get_command(app)
            ctx = root.make_context("riverrun", ["version"], resilient_parsing=True)
            def walk(cmd, path, ctx):
                subs = getattr(cmd, "commands", None)
                names = cmd.list_commands(ctx) if hasattr(cmd, "list_commands") else []
                if not names:
                    print(json.dumps(path))
                for name in names:
                    sub = cmd.get_command(ctx, name)
                    walk(sub, path + [name], ctx)
            walk(root, [], ctx)
        """)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "RIVERRUN_HOME": str(home)})  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    return [json.loads(line) for line in listing.stdout.splitlines()]


def test_every_command_has_plain_help_with_examples(tmp_path: Path) -> None:
    commands = _all_commands(tmp_path)
    assert ["flow-run", "ls"] in commands and ["server", "api-key", "create"] in commands
    for path in [[], *commands]:
        result = riverrun(*path, "--help", home=tmp_path)
        assert result.returncode == 0, (path, result.stderr)
        text = result.stdout
        assert text.startswith("Usage: riverrun"), path
        assert "Examples:\n    riverrun" in text, (
            f"`riverrun {' '.join(path)} --help` has no examples"
        )
        assert not re.search(r"[╭│]|<(bool|str|int|list)", text), path


def test_group_help_lists_each_command_by_its_whole_first_sentence(tmp_path: Path) -> None:
    groups = sorted({tuple(path[:-1]) for path in _all_commands(tmp_path) if len(path) > 1})
    assert ("work-queue",) in groups
    for group in groups:
        result = riverrun(*group, "--help", home=tmp_path, env={"COLUMNS": "80"})
        assert result.returncode == 0, (group, result.stderr)
        listing = result.stdout.split("Commands:\n", 1)[1]
        assert not re.search(r"\.\.\.$", listing, re.MULTILINE), (group, listing)
    queue = riverrun("work-queue", "--help", home=tmp_path, env={"COLUMNS": "80"}).stdout
    assert "default queue)." in queue  # the end of `delete`'s sentence, wrapped


# -- 10-12. the docs stand on their own and say what is built ------------------------------------


def _docs() -> dict[str, str]:
    paths = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return {p.name: p.read_text() for p in paths}


def test_docs_never_point_outside_the_repository() -> None:
    outside = {
        name: text.count("../shared") for name, text in _docs().items() if "../shared" in text
    }
    assert outside == {}


def test_docs_say_what_the_dask_and_ray_extras_are_for() -> None:
    docs = _docs()
    for extra in ("riverrun[dask]", "riverrun[ray]"):
        assert extra in docs["README.md"] or extra in docs["features.md"], extra


def test_features_page_is_linked_from_the_readme_and_says_what_is_coming() -> None:
    docs = _docs()
    assert "docs/features.md" in docs["README.md"]
    features = docs["features.md"]
    for heading in ("## What works", "## What differs on purpose", "## What is coming"):
        assert heading in features
    coming = features.split("## What is coming", 1)[1]
    for feature in ("Deployments", "Schedules", "Workers", "UI", "Automations", "Dask", "Ray"):
        assert feature in coming, feature
