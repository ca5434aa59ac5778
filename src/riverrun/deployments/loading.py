"""Load a flow from an entrypoint: ``path/to/file.py:function`` or ``package.module:function``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from riverrun.exceptions import MissingFlowError


def load_flow_from_entrypoint(entrypoint: str, use_placeholder_flow: bool = True, *,
                              base: str | Path | None = None) -> Any:  # fmt: skip
    """The ``Flow`` an entrypoint names (Prefect's ``load_flow_from_entrypoint``).

    Args:
        entrypoint: ``"flows/etl.py:sf_export"`` (a file, relative to ``base`` or the current
            directory) or ``"mypackage.flows:sf_export"`` (an importable module).
        use_placeholder_flow: accepted for Prefect's signature; riverrun always imports.
        base: the directory relative file paths are read from.

    Raises:
        MissingFlowError: the file or module does not exist, has no such name, or the name
            is not a flow — each saying which and how to fix it.
    """
    where, sep, attribute = entrypoint.rpartition(":")
    if not sep or not where or not attribute:
        raise MissingFlowError(
            f"Entrypoint {entrypoint!r} must be 'path/to/file.py:function' or "
            "'package.module:function'."
        )
    module = _load_module(where, Path(base) if base is not None else Path.cwd())
    target: Any = module
    for part in attribute.split("."):
        target = getattr(target, part, None)
        if target is None:
            flows = _flows_in(module)
            hint = f" Flows there: {', '.join(flows)}." if flows else " It defines no flows."
            raise MissingFlowError(f"{where} has no {attribute!r}.{hint}")
    from riverrun.flows import Flow

    if not isinstance(target, Flow):
        raise MissingFlowError(
            f"{entrypoint} is a {type(target).__name__}, not a flow; decorate it with @flow."
        )
    return target


def _load_module(where: str, base: Path) -> Any:
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where)
        path = path if path.is_absolute() else base / path
        if not path.exists():
            raise MissingFlowError(
                f"No file {path} for entrypoint {where!r}; check the path (relative paths are "
                f"read from {base})."
            )
        name = f"__riverrun_flow_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # The file's own directory is importable from it, as when it runs as a script.
        sys.path.insert(0, str(path.parent.resolve()))
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception:
            sys.modules.pop(name, None)
            raise
        return module
    try:
        return importlib.import_module(where)
    except ModuleNotFoundError as exc:
        raise MissingFlowError(
            f"No module {where!r} for the entrypoint ({exc}); install it or use a file path."
        ) from exc


def _flows_in(module: Any) -> list[str]:
    from riverrun.flows import Flow

    return sorted(k for k, v in vars(module).items() if isinstance(v, Flow))


def flow_from_source(source: Any, entrypoint: str) -> Any:
    """``Flow.from_source``: a flow from a local directory, a git repository or a storage.

    Args:
        source: a directory (or a file in it), a ``file://`` URL of one, a git URL (the
            ``git`` scheme or a path ending in ``.git``: ``https://host/org/repo.git``,
            ``git@host:org/repo.git``, ``file:///srv/repo.git``), or a ``GitRepository``.
        entrypoint: ``"path/in/source.py:function"``.

    Raises:
        MissingFlowError: the source is remote storage other than git, does not exist, could
            not be cloned, or the entrypoint cannot be loaded from it.
    """
    from riverrun.deployments.storage import GitRepository, is_git_url, local_path_of

    if isinstance(source, str) and is_git_url(source):
        source = GitRepository(url=source)
    if isinstance(source, GitRepository):
        return _flow_from_repository(source, entrypoint)
    text = str(source)
    local = local_path_of(text)
    if local is None:
        raise MissingFlowError(
            f"Flow.from_source({text!r}): riverrun loads flows from a local directory or a git "
            "repository (a URL ending in .git, or git@host:org/repo.git); for other remote "
            "storage, copy the code to a directory and pass that."
        )
    base = Path(local)
    if base.is_file():
        base = base.parent
    if not base.exists():
        raise MissingFlowError(f"Flow source {text!r} does not exist; pass a directory.")
    flow = load_flow_from_entrypoint(entrypoint, base=base.resolve())
    flow._source = (str(base.resolve()), entrypoint)
    return flow


def _flow_from_repository(repository: Any, entrypoint: str) -> Any:
    """Clone (or update) the repository under ``$RIVERRUN_HOME/sources/git`` and load from it."""
    from riverrun.deployments.storage import clone_base
    from riverrun.settings import home_path

    repository.set_base_path(clone_base(home_path(), repository))
    repository.pull_code_sync()
    flow = load_flow_from_entrypoint(entrypoint, base=repository.destination)
    flow._source = (str(repository.destination), entrypoint)
    flow._storage = repository
    return flow
