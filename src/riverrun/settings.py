"""Settings: environment variables over the active profile over defaults, validated by pydantic.

Every setting has an environment variable ``RIVERRUN_<NAME>``. Profiles live in
``$RIVERRUN_HOME/profiles.toml``::

    active = "default"

    [profiles.default]
    RIVERRUN_API_URL = "http://127.0.0.1:4200/api"

``RIVERRUN_HOME`` itself comes only from the environment (it says where the profiles are).
Reading settings is cheap and lazy: nothing is read at import time.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riverrun.exceptions import ConfigurationError


@dataclass(frozen=True)
class SettingDefinition:
    """One setting: its name, type, default and what it does."""

    name: str
    type: type
    default: Any
    description: str

    @property
    def env_var(self) -> str:
        return f"RIVERRUN_{self.name.upper()}"


_DEFINITIONS: list[SettingDefinition] = [
    SettingDefinition("home", Path, "~/.riverrun", "Where the embedded store, profiles, results and spool live."),
    SettingDefinition("api_url", str, None, "URL of a riverrun server's API; unset means the embedded store."),
    SettingDefinition("api_key", str, None, "API key sent to the server as a Bearer token."),
    SettingDefinition("database_url", str, None, "Database the server uses; default: the embedded SQLite file."),
    SettingDefinition("logging_level", str, "INFO", "Level of riverrun's run loggers."),
    SettingDefinition("logging_to_console", bool, True, "Print run logs to the console as well as storing them."),
    SettingDefinition("logging_log_prints", bool, False, "Treat print() inside flows and tasks as INFO logs."),
    SettingDefinition("results_persist_by_default", bool, False, "Persist every flow and task result."),
    SettingDefinition("results_default_serializer", str, "pickle", "Serializer for persisted results: pickle or json."),
    SettingDefinition("local_storage_path", Path, None, "Where results are persisted; default: $RIVERRUN_HOME/storage."),
    SettingDefinition("tasks_default_retries", int, 0, "Retries for tasks that set none."),
    SettingDefinition("tasks_default_retry_delay_seconds", float, 0.0, "Retry delay for tasks that set none."),
    SettingDefinition("flows_default_retries", int, 0, "Retries for flows that set none."),
    SettingDefinition("retention_days", int, 30, "Delete runs older than this many days (0 keeps everything)."),
    SettingDefinition("server_host", str, "127.0.0.1", "Address `riverrun server start` listens on."),
    SettingDefinition("server_port", int, 4200, "Port `riverrun server start` listens on."),
    SettingDefinition("server_auth", bool, False, "Require API keys on every route but /api/health."),
    SettingDefinition("store_busy_timeout_seconds", float, 30.0, "How long a write waits for another process's lock."),
]

DEFINITIONS: dict[str, SettingDefinition] = {d.name: d for d in _DEFINITIONS}
ENV_VARS: dict[str, SettingDefinition] = {d.env_var: d for d in _DEFINITIONS}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(definition: SettingDefinition, raw: Any, source: str) -> Any:
    if raw is None:
        return None
    try:
        if definition.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(f"expected true or false, got {raw!r}")
        if definition.type is Path:
            return Path(str(raw)).expanduser()
        return definition.type(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"Setting {definition.env_var} from {source} is invalid: {exc}. "
            f"Fix it with `riverrun config set {definition.env_var}=...` or unset it."
        ) from None


class Settings:
    """The resolved settings. Attribute names are the setting names (``settings.home``)."""

    def __init__(self, values: dict[str, Any], sources: dict[str, str], profile: str) -> None:
        self._values = values
        self._sources = sources
        self.profile_name = profile

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def source_of(self, name: str) -> str:
        """Where a value came from: ``env``, ``profile '<name>'`` or ``default``."""
        return self._sources[name]

    def items(self) -> list[tuple[str, Any, str]]:
        """(env var, value, source) for every setting."""
        return [(d.env_var, self._values[d.name], self._sources[d.name]) for d in _DEFINITIONS]

    @property
    def storage_path(self) -> Path:
        return self._values["local_storage_path"] or self._values["home"] / "storage"

    @property
    def database_path(self) -> Path:
        return self._values["home"] / "riverrun.db"

    @property
    def profiles_path(self) -> Path:
        return self._values["home"] / "profiles.toml"


def home_path() -> Path:
    """``RIVERRUN_HOME`` from the environment, or ``~/.riverrun``."""
    return Path(os.environ.get("RIVERRUN_HOME") or "~/.riverrun").expanduser()


def read_profiles(path: Path) -> dict[str, Any]:
    """Read the profiles file; a missing file is an empty default profile."""
    if not path.exists():
        return {"active": "default", "profiles": {"default": {}}}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"The profiles file {path} cannot be read ({exc}). Fix or delete it; "
            "`riverrun reset` recreates it."
        ) from None
    data.setdefault("active", "default")
    data.setdefault("profiles", {}).setdefault(data["active"], {})
    return data


def write_profiles(path: Path, data: dict[str, Any]) -> None:
    """Write the profiles file atomically."""
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data))
    tmp.replace(path)


_cache: tuple[Any, Settings] | None = None
_overrides: list[dict[str, Any]] = []


def _cache_key() -> Any:
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("RIVERRUN_")))
    profiles = home_path() / "profiles.toml"
    try:
        mtime = profiles.stat().st_mtime_ns
    except OSError:
        mtime = None
    return (env, mtime, tuple(tuple(sorted(o.items())) for o in _overrides))


def get_current_settings() -> Settings:
    """Resolve the settings now: environment, then the active profile, then defaults."""
    global _cache
    key = _cache_key()
    if _cache is not None and _cache[0] == key:
        return _cache[1]
    home = home_path()
    profiles = read_profiles(home / "profiles.toml")
    active = os.environ.get("RIVERRUN_PROFILE") or profiles["active"]
    profile_values = profiles.get("profiles", {}).get(active, {})
    unknown = [k for k in profile_values if k not in ENV_VARS]
    if unknown:
        raise ConfigurationError(
            f"Profile {active!r} in {home / 'profiles.toml'} has unknown setting(s) "
            f"{', '.join(unknown)}. Remove them with `riverrun config unset NAME`."
        )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for d in _DEFINITIONS:
        override = next((o[d.name] for o in reversed(_overrides) if d.name in o), _MISSING)
        if override is not _MISSING:
            values[d.name], sources[d.name] = _coerce(d, override, "temporary settings"), "temporary"
        elif d.env_var in os.environ:
            values[d.name] = _coerce(d, os.environ[d.env_var], "the environment")
            sources[d.name] = "env"
        elif d.name != "home" and d.env_var in profile_values:
            values[d.name] = _coerce(d, profile_values[d.env_var], f"profile {active!r}")
            sources[d.name] = f"profile {active!r}"
        else:
            values[d.name] = _coerce(d, d.default, "defaults")
            sources[d.name] = "default"
    if "home" not in _overrides_keys():
        values["home"] = home
    settings = Settings(values, sources, active)
    _cache = (key, settings)
    return settings


_MISSING = object()


def _overrides_keys() -> set[str]:
    return {k for o in _overrides for k in o}


@contextlib.contextmanager
def temporary_settings(**updates: Any) -> Iterator[Settings]:
    """Override settings inside a ``with`` block (by setting name: ``home=...``)."""
    bad = [k for k in updates if k not in DEFINITIONS]
    if bad:
        raise ConfigurationError(f"Unknown setting(s) {bad}; known: {sorted(DEFINITIONS)}.")
    _overrides.append(updates)
    try:
        yield get_current_settings()
    finally:
        _overrides.remove(updates)


__all__ = [
    "DEFINITIONS",
    "ENV_VARS",
    "SettingDefinition",
    "Settings",
    "get_current_settings",
    "home_path",
    "read_profiles",
    "temporary_settings",
    "write_profiles",
]
