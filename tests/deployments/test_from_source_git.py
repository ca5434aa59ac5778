"""``Flow.from_source`` with a git repository: a real ``git init`` in tmp_path, a ``file://``
URL, and Prefect's ``GitRepository`` (branch, commit, pulling new commits)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from riverrun import Flow
from riverrun.client import get_client
from riverrun.deployments import load_flow_from_entrypoint
from riverrun.exceptions import MissingFlowError
from riverrun.runner.storage import GitRepository

# Every test here runs embedded and against real servers on SQLite and PostgreSQL.
pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]

FLOW_FILE = """
from riverrun import flow


@flow(name="from-git")
def etl(n: int = 1) -> str:
    return "{version}"
"""


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


def _commit(repo: Path, version: str) -> str:
    (repo / "flows").mkdir(exist_ok=True)
    (repo / "flows" / "etl.py").write_text(FLOW_FILE.format(version=version))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", version)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository (named ``flows.git``, so its URL is a git URL) with one commit on main."""
    path = tmp_path / "flows.git"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    _commit(path, "v1")
    return path


def _url(repo: Path) -> str:
    return f"file://{repo}"


def test_from_source_clones_a_git_url_and_loads_its_flow(repo: Path) -> None:
    loaded = Flow.from_source(_url(repo), "flows/etl.py:etl")
    assert (loaded.name, loaded()) == ("from-git", "v1")


def test_from_source_with_a_git_repository_checks_out_its_branch(repo: Path) -> None:
    _git(repo, "checkout", "-q", "-b", "feature")
    _commit(repo, "v2-feature")
    _git(repo, "checkout", "-q", "main")
    on_branch = Flow.from_source(GitRepository(_url(repo), branch="feature"), "flows/etl.py:etl")
    on_main = Flow.from_source(GitRepository(_url(repo)), "flows/etl.py:etl")
    assert (on_branch(), on_main()) == ("v2-feature", "v1")


def test_from_source_with_a_commit_sha_checks_out_that_commit(repo: Path) -> None:
    first = _git(repo, "rev-parse", "HEAD")
    _commit(repo, "v2")
    pinned = Flow.from_source(GitRepository(_url(repo), commit_sha=first), "flows/etl.py:etl")
    assert pinned() == "v1"


def test_from_source_again_pulls_the_new_commits(repo: Path) -> None:
    assert Flow.from_source(_url(repo), "flows/etl.py:etl")() == "v1"
    _commit(repo, "v2")
    assert Flow.from_source(_url(repo), "flows/etl.py:etl")() == "v2"


def test_git_repository_keeps_prefects_defaults_and_names() -> None:
    repository = GitRepository("https://example.com/org/flows.git", branch="dev")
    assert (repository.pull_interval, repository.destination.name) == (60, "flows-dev")
    assert repository.to_pull_step() == {
        "prefect.deployments.steps.git_clone": {
            "repository": "https://example.com/org/flows.git", "branch": "dev",
        }
    }  # fmt: skip


def test_from_source_of_a_repository_that_does_not_exist_quotes_git(tmp_path: Path) -> None:
    with pytest.raises(MissingFlowError, match="`git clone --depth` of file://.*nope.git failed"):
        Flow.from_source(f"file://{tmp_path}/nope.git", "flows/etl.py:etl")


def test_from_source_of_an_entrypoint_missing_from_the_repository_lists_flows(repo: Path) -> None:
    with pytest.raises(MissingFlowError, match="has no 'elt'. Flows there: etl"):
        Flow.from_source(_url(repo), "flows/etl.py:elt")


def test_from_source_refuses_remote_storage_that_is_not_git() -> None:
    with pytest.raises(MissingFlowError, match="a local directory or a git repository"):
        Flow.from_source("s3://bucket/flows", "etl.py:etl")


def test_from_source_takes_a_file_url_of_a_plain_directory(repo: Path) -> None:
    assert Flow.from_source(f"file://{repo / 'flows'}", "etl.py:etl")() == "v1"


def test_a_deployment_of_a_flow_from_git_runs_from_the_clone(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = Flow.from_source(_url(repo), "flows/etl.py:etl")
    dep_id = loaded.to_deployment("from-git").apply()
    stored = get_client(sync_client=True).read_deployment(dep_id)
    assert stored.entrypoint == "flows/etl.py:etl"
    assert stored.path is not None and Path(stored.path) != repo
    again = load_flow_from_entrypoint(stored.entrypoint, base=stored.path)
    assert again() == "v1"
