"""Where a deployment's code comes from: ``GitRepository`` (Prefect's ``prefect.runner.storage``).

``Flow.from_source("https://host/org/repo.git", "flows.py:etl")`` (or a ``GitRepository``)
clones the repository with the ``git`` command and loads the flow from the clone. Prefect
clones into a temporary directory that is gone once the flow is loaded; riverrun keeps the
clone under ``$RIVERRUN_HOME/sources/git`` (one directory per URL, branch and commit), so a
deployment made from the loaded flow names a directory its runs can start from.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from riverrun.exceptions import MissingFlowError

__all__ = ["GitRepository"]

_GIT_TIMEOUT_S = 300.0


class GitRepository:
    """A git repository to pull a flow's code from (Prefect's ``GitRepository``).

    Args:
        url: what ``git clone`` takes: ``https://...``, ``git@host:org/repo.git``,
            ``file:///path/to/repo``.
        credentials: accepted for Prefect's signature; put a token in the URL or use git's
            own credential helpers (riverrun does not read credential blocks here).
        name: the clone's directory name (default: the repository's name, plus ``-branch``).
        branch: the branch (or tag) to check out; default the remote's default branch.
        commit_sha: a commit to check out (fetched if the shallow clone lacks it).
        include_submodules: also clone the repository's submodules.
        pull_interval: seconds between pulls while serving (Prefect's default, 60); stored,
            see ``docs/deployments.md``.
        directories: accepted for Prefect's signature (sparse checkout is not done).

    Example:
        >>> repo = GitRepository("https://github.com/org/flows.git", branch="main")
        >>> flow = Flow.from_source(repo, "etl.py:etl")  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        credentials: Any = None,
        name: str | None = None,
        branch: str | None = None,
        commit_sha: str | None = None,
        include_submodules: bool = False,
        pull_interval: int | None = 60,
        directories: list[str] | None = None,
    ) -> None:
        if not isinstance(url, str) or not url.strip():
            raise ValueError("GitRepository needs the repository's URL, such as "
                             "'https://github.com/org/flows.git'.")  # fmt: skip
        # Prefect's checks and messages.
        if branch and commit_sha:
            raise ValueError(
                "Cannot provide both a branch and a commit SHA. Please provide only one."
            )
        if branch and branch.startswith("-"):
            raise ValueError("Branch names cannot start with '-'.")
        if commit_sha and not re.match(r"^[0-9a-fA-F]{4,64}$", commit_sha):
            raise ValueError(
                f"Invalid commit SHA: {commit_sha!r}. Expected a hexadecimal Git commit SHA "
                "(4–64 characters). If you are trying to specify a branch or tag name, use the "
                "'branch' parameter instead."
            )
        self._url = url
        self._credentials = credentials
        self._branch = branch
        self._commit_sha = commit_sha
        self._include_submodules = include_submodules
        self._pull_interval = pull_interval
        self._directories = directories
        self._name = name or _default_name(url, branch)
        self._base_path = Path.cwd()

    @property
    def url(self) -> str:
        """The repository's URL."""
        return self._url

    @property
    def branch(self) -> str | None:
        """The branch checked out (None: the remote's default)."""
        return self._branch

    @property
    def commit_sha(self) -> str | None:
        """The commit checked out, if one was asked for."""
        return self._commit_sha

    @property
    def pull_interval(self) -> int | None:
        """Seconds between pulls while serving."""
        return self._pull_interval

    @property
    def destination(self) -> Path:
        """The directory the repository is cloned into."""
        return self._base_path / self._name

    def set_base_path(self, path: Path) -> None:
        """Clone under ``path`` (the clone is ``path / name``)."""
        self._base_path = Path(path)

    async def pull_code(self) -> None:
        """Clone the repository, or bring an existing clone up to date (Prefect's coroutine)."""
        import asyncio

        await asyncio.to_thread(self.pull_code_sync)

    def pull_code_sync(self) -> None:
        """Clone the repository, or bring an existing clone up to date.

        Raises:
            MissingFlowError: ``git`` is not installed, or the clone or fetch failed (git's
                own message is included).
        """
        if (self.destination / ".git").exists():
            self._update()
        else:
            self._clone()

    def _clone(self) -> None:
        if self.destination.exists():
            shutil.rmtree(self.destination)
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        command = ["clone", "--depth", "1"]
        if self._branch:
            command += ["--branch", self._branch]
        if self._include_submodules:
            command.append("--recurse-submodules")
        self._git(*command, self._url, str(self.destination), cwd=self.destination.parent)
        if self._commit_sha:
            self._checkout_commit()

    def _update(self) -> None:
        if self._commit_sha:
            self._checkout_commit()
            return
        ref = self._branch or "HEAD"
        self._git("fetch", "--depth", "1", "origin", ref)
        self._git("reset", "--hard", "FETCH_HEAD")
        if self._include_submodules:
            self._git("submodule", "update", "--init", "--recursive")

    def _checkout_commit(self) -> None:
        assert self._commit_sha is not None
        self._git("fetch", "--depth", "1", "origin", self._commit_sha)
        self._git("checkout", "--force", self._commit_sha)

    def _git(self, *args: str, cwd: Path | None = None) -> None:
        git = shutil.which("git")
        if git is None:
            raise MissingFlowError(
                f"Loading a flow from {self._url} needs the `git` command, and it is not on "
                "PATH; install git, or clone the repository and pass its directory."
            )
        done = subprocess.run(
            [git, *args], cwd=cwd or self.destination, capture_output=True, text=True,
            timeout=_GIT_TIMEOUT_S,
        )  # fmt: skip
        if done.returncode != 0:
            raise MissingFlowError(
                f"`git {' '.join(args[:2])}` of {self._url} failed: "
                f"{done.stderr.strip() or done.stdout.strip()}. Check the URL, branch and commit, "
                "and that this machine can reach the repository."
            )

    def to_pull_step(self) -> dict[str, Any]:
        """The ``pull`` step of a ``prefect.yaml``-style project that clones this repository."""
        step: dict[str, Any] = {"repository": self._url, "branch": self._branch}
        if self._name != _default_name(self._url, self._branch):
            step["clone_directory_name"] = self._name
        if self._directories:
            step["directories"] = self._directories
        if self._include_submodules:
            step["include_submodules"] = True
        if self._commit_sha:
            step["commit_sha"] = self._commit_sha
        return {"prefect.deployments.steps.git_clone": step}

    def __repr__(self) -> str:
        return (f"GitRepository(name={self._name!r}, repository={self._url!r}, "
                f"branch={self._branch!r}, commit_sha={self._commit_sha!r})")  # fmt: skip


def _default_name(url: str, branch: str | None) -> str:
    """Prefect's clone directory name: the repository's name, ``-branch`` (``/`` as ``-``)."""
    repo_name = urlparse(url).path.split("/")[-1].replace(".git", "")
    return f"{repo_name}-{branch.replace('/', '-')}" if branch else repo_name


def is_git_url(source: str) -> bool:
    """Whether a ``from_source`` string names a git repository (Prefect's rule: the ``git``
    scheme, or a path ending in ``.git``)."""
    parsed = urlparse(source)
    return parsed.scheme == "git" or parsed.path.rstrip("/").endswith(".git")


def local_path_of(source: str) -> str | None:
    """The directory a ``file://`` / ``local://`` URL or a plain path names; None for a URL
    of any other scheme (remote storage riverrun does not read)."""
    parsed = urlparse(source)
    if parsed.scheme in ("file", "local"):
        return source.split("://", 1)[-1]
    if parsed.scheme and len(parsed.scheme) > 1:  # one letter: a Windows drive
        return None
    return source


def clone_base(home: Path, repository: GitRepository) -> Path:
    """The directory a repository's clone lives under: one per URL, branch and commit."""
    key = f"{repository.url}\0{repository.branch or ''}\0{repository.commit_sha or ''}"
    return home / "sources" / "git" / hashlib.sha256(key.encode()).hexdigest()[:16]
