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
import functools
import math
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
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
    secret: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    positive: bool = False

    @property
    def env_var(self) -> str:
        return f"RIVERRUN_{self.name.upper()}"


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# fmt: off
_DEFINITIONS: list[SettingDefinition] = [
    SettingDefinition("home", Path, "~/.riverrun", "Where the embedded store, profiles, results and spool live."),
    SettingDefinition("api_url", str, None, "URL of a riverrun server's API; unset means the embedded store."),
    SettingDefinition("api_key", str, None, "API key sent to the server as a Bearer token.", secret=True),
    SettingDefinition("database_url", str, None, "Database the server uses; default: the embedded SQLite file.", secret=True),
    SettingDefinition("logging_level", str, "INFO", "Level of riverrun's run loggers.", choices=_LEVELS),
    SettingDefinition("logging_to_console", bool, True, "Print run logs to the console as well as storing them."),
    SettingDefinition("logging_log_prints", bool, False, "Treat print() inside flows and tasks as INFO logs."),
    SettingDefinition("results_persist_by_default", bool, False, "Persist every flow and task result."),
    SettingDefinition("results_default_serializer", str, "pickle", "Serializer for persisted results: pickle or json.", choices=("pickle", "json")),
    SettingDefinition("local_storage_path", Path, None, "Where results are persisted; default: $RIVERRUN_HOME/storage."),
    SettingDefinition("tasks_default_retries", int, 0, "Retries for tasks that set none.", minimum=0),
    SettingDefinition("tasks_default_retry_delay_seconds", float, 0.0, "Retry delay for tasks that set none.", minimum=0),
    SettingDefinition("tasks_tag_concurrency_lease_seconds", float, 60.0, "Lease of a task run's tag-limit slot: renewed while the task runs, freed this long after its process dies.", positive=True),
    SettingDefinition("tasks_tag_concurrency_refresh_seconds", float, 5.0, "How long a process trusts its cached list of tags with a concurrency limit before reading it again (limits made by this process count at once).", minimum=0),
    SettingDefinition("flows_default_retries", int, 0, "Retries for flows that set none.", minimum=0),
    SettingDefinition("flows_lease_seconds", float, 30.0, "How long a flow run's lease lasts unrenewed (a worker's claim, a flow process against a server): its run is marked Crashed about this long (plus one sweep) after its process stops answering, or goes back to Scheduled if its worker died before starting it.", positive=True),
    SettingDefinition("flows_watch_interval_seconds", float, 1.0, "How often a flow process renews its run's lease and checks whether the run is being cancelled.", positive=True),
    SettingDefinition("runner_fork_server", bool, True, "Start the flow-run processes of serve() and process workers as forks of a pre-imported fork server (a few ms each, POSIX only); false: a fresh interpreter per run."),
    SettingDefinition("runner_cancellation_grace_seconds", float, 30.0, "How long a cancelled run's process may take to stop before it is killed (Prefect's runner waits 30 s).", minimum=0),
    SettingDefinition("server_services_lease_sweeper_loop_seconds", float, 5.0, "How often the server marks runs whose lease expired Crashed (or Scheduled if they never started).", positive=True),
    SettingDefinition("server_services_sla_loop_seconds", float, 5.0, "How often the server (or a serve() process on the embedded store) checks deployments' SLAs and records violations.", positive=True),
    SettingDefinition("default_work_pool_name", str, None, "Work pool that deployments and work queues use when they name none."),
    SettingDefinition("retention_days", int, 30, "Delete runs older than this many days (0 keeps everything).", minimum=0),
    SettingDefinition("retention_interval_seconds", float, 3600.0, "How often the server's background retention pass runs.", positive=True),
    SettingDefinition("server_host", str, "127.0.0.1", "Address `riverrun server start` listens on."),
    SettingDefinition("server_port", int, 4200, "Port `riverrun server start` listens on.", minimum=0),
    SettingDefinition("server_auth", bool, False, "Require API keys on every route but /api/health."),
    SettingDefinition("server_max_body_bytes", int, 10 * 1024 * 1024, "Largest request body the server accepts, in bytes (413 beyond).", positive=True),
    SettingDefinition("server_max_poll_seconds", float, 60.0, "Longest a worker's claim waits on the server for a run to become due (a long poll) before answering with none; keep it under the idle timeout of a proxy in front of the server.", positive=True),
    SettingDefinition("server_max_parked_polls", int, 1000, "How many workers' long polls the server holds parked at once (on threads of their own, not the pool other requests use); more wait for a slot.", positive=True),
    SettingDefinition("store_busy_timeout_seconds", float, 30.0, "How long a write waits for another process's lock.", minimum=0),
    SettingDefinition("recording_exit_wait_seconds", float, 5.0, "At exit, how long to keep trying to deliver or write events still waiting (server away, database locked or full) before leaving them in the spool for the next run.", minimum=0),
    SettingDefinition("recording_max_batch_bytes", int, 8 * 1024 * 1024, "Largest request body the remote recorder sends; bigger batches are split.", positive=True),
    SettingDefinition("recording_max_value_bytes", int, 1024 * 1024, "A value (parameter, log line, result, artifact, message) sent to a server above this size is recorded truncated, with a marker and its size.", positive=True),
]
# fmt: on

DEFINITIONS: dict[str, SettingDefinition] = {d.name: d for d in _DEFINITIONS}
ENV_VARS: dict[str, SettingDefinition] = {d.env_var: d for d in _DEFINITIONS}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(definition: SettingDefinition, raw: Any, source: str) -> Any:
    if raw is None:
        return None
    try:
        return _convert(definition, raw)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"Setting {definition.env_var} from {source} is invalid: {exc}. "
            f"Fix it with `riverrun config set {definition.env_var}=...` or unset it."
        ) from None


def _convert(definition: SettingDefinition, raw: Any) -> Any:
    """Convert a raw value (text from env or CLI, or a TOML value) to the setting's type."""
    value = _convert_type(definition, raw)
    if definition.choices:
        text = str(value)
        match = next((c for c in definition.choices if c.lower() == text.lower()), None)
        if match is None:
            raise ValueError(f"expected one of {', '.join(definition.choices)}, got {raw!r}")
        value = match
    if definition.minimum is not None and value < definition.minimum:
        raise ValueError(f"expected a number >= {definition.minimum:g}, got {raw!r}")
    if definition.positive and value <= 0:
        raise ValueError(f"expected a number > 0, got {raw!r}")
    return value


def _convert_type(definition: SettingDefinition, raw: Any) -> Any:
    if definition.type in (int, float) and isinstance(raw, bool):
        raise ValueError(f"expected a number, got {raw!r}")
    if definition.type is int and isinstance(raw, float) and not raw.is_integer():
        raise ValueError(f"expected a whole number, got {raw!r}")
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
        if definition.type is int:
            return int(raw) if isinstance(raw, (int, float)) else int(str(raw).strip())
        if definition.type is float:
            number = float(str(raw).strip())
            if not math.isfinite(number):
                raise ValueError(f"expected a finite number, got {raw!r}")
            return number
        return definition.type(raw)
    except (TypeError, ValueError) as exc:
        if definition.type in (int, float) and "expected" not in str(exc):
            kind = "a whole number" if definition.type is int else "a number"
            raise ValueError(f"expected {kind}, got {raw!r}") from None
        raise


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
            pass
        if name in _GROUPS:
            # Prefect's nested form: settings.logging.level is settings.logging_level.
            return SettingsGroup(self, name)
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

    @functools.cached_property
    def database_path(self) -> Path:
        # Read at the start of every top-level flow run; joining the path took ~2 µs.
        return self._values["home"] / "riverrun.db"

    @property
    def profiles_path(self) -> Path:
        return self._values["home"] / "profiles.toml"


# Prefect's nested spellings whose flat name is not simply "<group>_<field>".
_NESTED_ALIASES = {("results", "local_storage_path"): "local_storage_path", ("api", "url"): "api_url",
                   ("api", "key"): "api_key"}  # fmt: skip
_GROUPS = frozenset(d.name.split("_", 1)[0] for d in _DEFINITIONS if "_" in d.name) | {
    "results",
    "api",
}


class SettingsGroup:
    """One group of settings in Prefect's nested form (``settings.logging``, ``settings.results``)."""

    def __init__(self, settings: Settings, group: str) -> None:
        self._settings = settings
        self._group = group

    def __getattr__(self, name: str) -> Any:
        flat = _NESTED_ALIASES.get((self._group, name), f"{self._group}_{name}")
        try:
            return self._settings._values[flat]
        except KeyError:
            raise AttributeError(f"settings.{self._group} has no setting {name!r}") from None

    def __repr__(self) -> str:
        fields = {k.removeprefix(self._group + "_"): v for k, v in self._settings._values.items()
                  if k.startswith(self._group + "_")}  # fmt: skip
        return f"SettingsGroup({self._group!r}, {fields!r})"


class Setting:
    """A setting as an object (Prefect's ``PREFECT_API_URL``): ``RIVERRUN_API_URL.value()``.

    Also the key of ``temporary_settings({RIVERRUN_LOGGING_LEVEL: "DEBUG"})``.
    """

    def __init__(self, definition: SettingDefinition) -> None:
        self._definition = definition

    @property
    def name(self) -> str:
        """The environment variable's name, e.g. ``RIVERRUN_API_URL``."""
        return self._definition.env_var

    @property
    def field_name(self) -> str:
        """The setting's attribute on ``get_current_settings()``, e.g. ``api_url``."""
        return self._definition.name

    @property
    def is_secret(self) -> bool:
        return self._definition.secret

    def default(self) -> Any:
        """The value when neither the environment nor the profile sets it."""
        return self._definition.default

    def value(self) -> Any:
        """The current value (environment, then the active profile, then the default)."""
        return self.value_from(get_current_settings())

    def value_from(self, settings: Settings) -> Any:
        """The value in ``settings``."""
        return getattr(settings, self._definition.name)

    def __bool__(self) -> bool:
        return bool(self.value())

    def __str__(self) -> str:
        return str(self.value())

    def __repr__(self) -> str:
        return f"<{self.name}: {self._definition.type.__name__}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Setting):
            return other.name == self.name
        return bool(self.value() == other)

    def __hash__(self) -> int:
        return hash((type(self), self.name))


def __getattr__(name: str) -> Setting:
    # RIVERRUN_API_URL, RIVERRUN_LOGGING_LEVEL, ...: one Setting object per setting, made on use.
    definition = ENV_VARS.get(name)
    if definition is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    setting = Setting(definition)
    globals()[name] = setting
    return setting


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
    profiles = data.setdefault("profiles", {})
    if (
        not isinstance(data["active"], str)
        or not isinstance(profiles, dict)
        or not all(isinstance(p, dict) for p in profiles.values())
    ):
        raise ConfigurationError(
            f'The profiles file {path} is malformed: expected `active = "name"` and '
            "[profiles.<name>] tables. Fix or delete it; `riverrun reset` recreates it."
        )
    profiles.setdefault(data["active"], {})
    return data


def write_profiles(path: Path, data: dict[str, Any]) -> None:
    """Write the profiles file atomically."""
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data))
    tmp.replace(path)


def find_setting(name: str) -> SettingDefinition:
    """The setting called ``name``, given with or without the ``RIVERRUN_`` prefix, any case.

    Raises:
        ConfigurationError: no such setting; the message lists the closest names.
    """
    key = name.strip().upper()
    if not key.startswith("RIVERRUN_"):
        key = "RIVERRUN_" + key
    definition = ENV_VARS.get(key)
    if definition is not None:
        return definition
    import difflib

    # Compare without the shared prefix, which would make every name look close.
    bare = {d.name.upper(): d.env_var for d in _DEFINITIONS}
    close = difflib.get_close_matches(key.removeprefix("RIVERRUN_"), bare, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(bare[c] for c in close)}? " if close else ""
    raise ConfigurationError(
        f"Unknown setting {name!r}; {hint}`riverrun config view` lists every setting."
    )


def parse_setting_value(definition: SettingDefinition, raw: str) -> Any:
    """Validate ``raw`` (text from the command line) for a setting; return its TOML value.

    Raises:
        ConfigurationError: the value does not fit the setting, with what was expected.
    """
    if definition.name == "home":
        raise ConfigurationError(
            "RIVERRUN_HOME cannot be stored in a profile, because it says where the profiles "
            "are; set it in the environment instead (export RIVERRUN_HOME=...)."
        )
    try:
        value = _convert(definition, raw)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"Invalid value for {definition.env_var}: {exc}. {definition.description}"
        ) from None
    return str(value) if isinstance(value, Path) else value


def display_value(definition: SettingDefinition, value: Any) -> str:
    """A setting's value as text for people, with secrets masked."""
    if value is None:
        return ""
    text = str(value)
    if not definition.secret or not text:
        return text
    if "://" in text:
        # A database URL stays useful with only its password hidden.
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(text)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
            return urlunsplit(parts._replace(netloc=netloc))
        return text
    return "********"


def active_profile_name(profiles: dict[str, Any] | None = None) -> str:
    """The active profile: ``RIVERRUN_PROFILE``, else the one the profiles file names."""
    if profiles is None:
        profiles = read_profiles(home_path() / "profiles.toml")
    return os.environ.get("RIVERRUN_PROFILE") or str(profiles.get("active") or "default")


def update_profile(
    set_values: dict[str, Any] | None = None, unset: list[str] | None = None
) -> tuple[str, Path]:
    """Set and unset settings (by env var name) in the active profile, and write the file.

    Returns:
        The profile's name and the profiles file's path.
    """
    path = home_path() / "profiles.toml"
    profiles = read_profiles(path)
    name = active_profile_name(profiles)
    profile = profiles.setdefault("profiles", {}).setdefault(name, {})
    for key in unset or []:
        profile.pop(key, None)
    profile.update(set_values or {})
    write_profiles(path, profiles)
    return name, path


_cache: tuple[Any, Settings] | None = None
_overrides: list[dict[str, Any]] = []


_WATCHED_ENV = ("RIVERRUN_PROFILE", *ENV_VARS)


# os.environ keeps its contents in a dict keyed by encoded names; reading that dict with
# names encoded once skips an encode and a decode per variable per flow run.
_environ_data: dict[Any, Any] | None = getattr(os.environ, "_data", None)
_WATCHED_LOOKUP: tuple[Any, tuple[Any, ...]] = (
    (_environ_data.get, tuple(map(os.environ.encodekey, _WATCHED_ENV)))  # type: ignore[attr-defined]
    if _environ_data is not None and hasattr(os.environ, "encodekey")
    else (os.environ.get, _WATCHED_ENV)
)


def _cache_key() -> Any:
    # Only the variables that can change a setting: scanning all of os.environ on every
    # flow run cost more than the rest of starting the run.
    get, names = _WATCHED_LOOKUP
    env = tuple(map(get, names))
    home = os.environ.get("RIVERRUN_HOME") or "~/.riverrun"
    try:
        mtime = os.stat(os.path.join(os.path.expanduser(home), "profiles.toml")).st_mtime_ns
    except OSError:
        mtime = None
    return (env, mtime, tuple(tuple(sorted(o.items())) for o in _overrides) if _overrides else ())


def get_current_settings() -> Settings:
    """Resolve the settings now: environment, then the active profile, then defaults."""
    global _cache
    key = _cache_key()
    if _cache is not None and _cache[0] == key:
        return _cache[1]
    home = home_path()
    profiles = read_profiles(home / "profiles.toml")
    active = active_profile_name(profiles)
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
            values[d.name], sources[d.name] = (
                _coerce(d, override, "temporary settings"),
                "temporary",
            )
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


def _setting_name(key: Setting | str) -> str:
    if isinstance(key, Setting):
        return key.field_name
    if key in DEFINITIONS:
        return key
    return ENV_VARS[key].name if key in ENV_VARS else key


def _overrides_keys() -> set[str]:
    return {k for o in _overrides for k in o}


@contextlib.contextmanager
def temporary_settings(
    updates: Mapping[Setting | str, Any] | None = None,
    set_defaults: Mapping[Setting | str, Any] | None = None,
    restore_defaults: Iterable[Setting | str] | None = None,
    **named: Any,
) -> Iterator[Settings]:
    """Override settings inside a ``with`` block.

    As Prefect: ``temporary_settings({RIVERRUN_LOGGING_LEVEL: "DEBUG"})`` (setting objects
    or their names as keys), ``restore_defaults={RIVERRUN_API_URL}``; or by setting name:
    ``temporary_settings(home=...)``. ``set_defaults`` values apply where nothing else sets
    the setting.
    """
    overrides: dict[str, Any] = {
        **{_setting_name(k): v for k, v in (updates or {}).items()},
        **named,
    }
    for key in restore_defaults or ():
        name = _setting_name(key)
        overrides[name] = DEFINITIONS[name].default if name in DEFINITIONS else None
    for key, value in (set_defaults or {}).items():
        name = _setting_name(key)
        if name not in overrides and f"RIVERRUN_{name.upper()}" not in os.environ:
            overrides[name] = value
    bad = [k for k in overrides if k not in DEFINITIONS]
    if bad:
        raise ConfigurationError(f"Unknown setting(s) {bad}; known: {sorted(DEFINITIONS)}.")
    _overrides.append(overrides)
    try:
        yield get_current_settings()
    finally:
        _overrides.remove(overrides)


# -- Prefect's profile objects over the profiles file ------------------------------------------


def _setting_object(key: Setting | str) -> Setting:
    if isinstance(key, Setting):
        return key
    setting: Setting = __getattr__(find_setting(key).env_var)
    return setting


class Profile:
    """A named set of settings in the profiles file (Prefect's ``Profile``).

    Args:
        name: the profile's name.
        settings: values by ``Setting`` object or name (``RIVERRUN_API_URL`` or ``api_url``).
        source: the file it was read from, if any.
    """

    def __init__(
        self, name: str, settings: Mapping[Setting | str, Any] | None = None,
        source: Path | None = None,
    ) -> None:  # fmt: skip
        self.name = name
        self.settings: dict[Setting, Any] = {
            _setting_object(k): v for k, v in (settings or {}).items()
        }
        self.source = source

    def to_environment_variables(self) -> dict[str, str]:
        """The profile's values as environment variables (``{"RIVERRUN_API_URL": "..."}``)."""
        return {s.name: str(v) for s, v in self.settings.items() if v is not None}

    def validate_settings(self) -> None:
        """Raise ``ConfigurationError`` naming the first value its setting cannot take."""
        for setting, value in self.settings.items():
            _coerce(setting._definition, value, f"profile {self.name!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and (other.name, other.settings, other.source) == (
            self.name, self.settings, self.source
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"Profile(name={self.name!r}, settings={self.settings!r}, source={self.source!r})"


class ProfilesCollection:
    """Profiles by unique name, and which one is active (Prefect's ``ProfilesCollection``)."""

    def __init__(self, profiles: Iterable[Profile], active: str | None = None) -> None:
        self.profiles_by_name: dict[str, Profile] = {p.name: p for p in profiles}
        self.active_name = active

    @property
    def names(self) -> set[str]:
        return set(self.profiles_by_name)

    @property
    def active_profile(self) -> Profile | None:
        return None if self.active_name is None else self[self.active_name]

    def set_active(self, name: str | None, check: bool = True) -> None:
        """Make ``name`` the active profile; ``ValueError`` for an unknown one (with ``check``)."""
        if check and name is not None and name not in self.names:
            raise ValueError(f"Unknown profile name {name!r}.")
        self.active_name = name

    def update_profile(
        self, name: str, settings: Mapping[Setting | str, Any], source: Path | None = None
    ) -> Profile:
        """Add the profile, or merge ``settings`` into the existing one (a ``None`` value
        removes that setting); returns the new profile."""
        given = Profile(name, settings, source)
        existing = self.profiles_by_name.get(name)
        merged = {**(existing.settings if existing else {}), **given.settings}
        new = Profile(name, {k: v for k, v in merged.items() if v is not None},
                      source or (existing.source if existing else None))  # fmt: skip
        self.profiles_by_name[name] = new
        return new

    def add_profile(self, profile: Profile) -> None:
        """Add a profile; ``ValueError`` if its name is taken."""
        if profile.name in self.profiles_by_name:
            raise ValueError(f"Profile name {profile.name!r} already exists in collection.")
        self.profiles_by_name[profile.name] = profile

    def remove_profile(self, name: str) -> None:
        self.profiles_by_name.pop(name)

    def without_profile_source(self, path: Path | None) -> ProfilesCollection:
        """A new collection without the profiles read from ``path``."""
        kept = [p for p in self.profiles_by_name.values() if p.source != path]
        return ProfilesCollection(kept, active=self.active_name)

    def to_dict(self) -> dict[str, Any]:
        """The profiles file's content."""
        return {"active": self.active_name, "profiles": {
            p.name: {s.name: v for s, v in p.settings.items() if v is not None}
            for p in self.profiles_by_name.values()
        }}  # fmt: skip

    def __getitem__(self, name: str) -> Profile:
        return self.profiles_by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.profiles_by_name)

    def items(self) -> list[tuple[str, Profile]]:
        return list(self.profiles_by_name.items())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProfilesCollection) and (
            other.profiles_by_name, other.active_name
        ) == (self.profiles_by_name, self.active_name)  # fmt: skip

    def __repr__(self) -> str:
        return (f"ProfilesCollection(profiles={list(self.profiles_by_name.values())!r}, "
                f"active={self.active_name!r})")  # fmt: skip


def load_profiles(include_defaults: bool = True) -> ProfilesCollection:
    """The profiles of ``$RIVERRUN_HOME/profiles.toml``; with ``include_defaults``, also an
    empty ``default`` profile when the file has none (riverrun ships no profiles file)."""
    path = home_path() / "profiles.toml"
    if not include_defaults and not path.exists():
        return ProfilesCollection([])
    data = read_profiles(path)
    source = path if path.exists() else None
    profiles = [Profile(name, values, source) for name, values in data["profiles"].items()]
    collection = ProfilesCollection(profiles, active=data["active"])
    if include_defaults and "default" not in collection.names:
        collection.add_profile(Profile("default"))
    return collection


def load_profile(name: str) -> Profile:
    """One profile by name; ``ValueError`` if there is none."""
    try:
        return load_profiles()[name]
    except KeyError:
        raise ValueError(f"Profile {name!r} not found.") from None


def load_current_profile() -> Profile:
    """The active profile (``RIVERRUN_PROFILE``, else the file's), as stored in the file."""
    profiles = load_profiles()
    name = active_profile_name()
    return profiles[name] if name in profiles.names else Profile(name)


def save_profiles(profiles: ProfilesCollection) -> None:
    """Write ``profiles`` to ``$RIVERRUN_HOME/profiles.toml`` (replacing what it held)."""
    data = profiles.to_dict()
    data["active"] = data["active"] or "default"
    write_profiles(home_path() / "profiles.toml", data)


def update_current_profile(settings: Mapping[Setting | str, Any]) -> Profile:
    """Merge ``settings`` into the active profile (``None`` removes one) and save the file.

    Raises:
        ConfigurationError: a value its setting cannot take (nothing is written).
    """
    profiles = load_profiles()
    name = active_profile_name()
    profiles.update_profile(name, settings).validate_settings()
    save_profiles(profiles)
    return profiles[name]


__all__ = [
    "DEFINITIONS",
    "ENV_VARS",
    "Profile",
    "ProfilesCollection",
    "Setting",
    "SettingDefinition",
    "Settings",
    "SettingsGroup",
    "active_profile_name",
    "display_value",
    "find_setting",
    "get_current_settings",
    "home_path",
    "load_current_profile",
    "load_profile",
    "load_profiles",
    "parse_setting_value",
    "read_profiles",
    "save_profiles",
    "temporary_settings",
    "update_current_profile",
    "update_profile",
    "write_profiles",
]
