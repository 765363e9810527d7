"""Settings: one TOML file plus ``URNA_*`` environment overrides.

Resolution: ``--config FILE`` (or ``URNA_CONFIG``); otherwise ``urna.toml`` in
the data directory if it exists; then environment overrides. Unknown keys are
an error, so a misspelled setting never silently falls back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from urna.errors import UrnaError
from urna.languages import LANGUAGES
from urna.shell.pg_url import DatabaseUrlError, parse_postgres_url

CONFIG_NAME = "urna.toml"
DEFAULT_DATA_DIR = Path("urna-data")


class SettingsError(UrnaError, ValueError):
    """A settings file or override is invalid; the message names the key."""


@attrs.frozen(slots=True)
class Settings:
    data_dir: Path
    database_url: str = attrs.field(default="", repr=False)  # may carry a password
    read_replica_url: str = attrs.field(default="", repr=False)
    """A PostgreSQL hot standby for the public portal's reads (``docs/operator.md``)."""
    read_replica_max_lag_seconds: int = 5
    """Public reads go to the primary while the replica lags it by more than this."""
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    public_origin: str = ""
    """The origin browsers use (``https://hall.example``); defaults to http://host:port."""
    max_body_bytes: int = 1024 * 1024
    header_timeout_seconds: int = 10
    """A request's whole header must arrive within this of its first byte."""
    body_timeout_seconds: int = 60
    """A request's whole body must arrive within this of its header's end."""
    response_timeout_seconds: int = 60
    """The longest a handler may run, or a response stall, before the client gets 503."""
    keep_alive_seconds: int = 15
    """An idle keep-alive connection is closed after this."""
    max_connections_per_address: int = 64
    """Open connections one client address may hold in one server process (0: no cap)."""
    session_idle_seconds: int = 30 * 60
    session_absolute_seconds: int = 12 * 60 * 60
    plugins_allow: tuple[str, ...] = ()
    plugins_require: tuple[str, ...] = ()
    plugin_sections: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    name: str = ""
    """The appliance's name in every page's header; empty: the page says "Urna"."""
    language: str = "az"
    """Pages' language when neither the visitor's choice nor their browser names one."""
    time_zone: str = "Asia/Baku"
    """IANA zone in which pages and reports show times (the record keeps UTC)."""
    printer: str = ""
    """CUPS's name of the printer receipts and reports go to; empty: none (printing refused)."""
    print_server: str = ""
    """The CUPS scheduler (socket path or host:port); empty: the system's own."""
    print_timeout_seconds: int = 30
    """How long ``lp`` may take to accept a job before printing is reported failed."""

    @property
    def uses_sqlite(self) -> bool:
        return not self.database_url

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "urna.sqlite3"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "keys" / "appliance.key"

    @property
    def origin(self) -> str:
        return self.public_origin or f"http://{self.host}:{self.port}"

    def plugin_config(self, name: str) -> Mapping[str, Any]:
        """The ``[plugin.<name>]`` table of the settings file (empty if absent)."""
        return self.plugin_sections.get(name, {})


_INT_KEYS = {
    "port": ("server", "port"),
    "workers": ("server", "workers"),
    "max_body_bytes": ("server", "max_body_bytes"),
    "header_timeout_seconds": ("server", "header_timeout_seconds"),
    "body_timeout_seconds": ("server", "body_timeout_seconds"),
    "response_timeout_seconds": ("server", "response_timeout_seconds"),
    "keep_alive_seconds": ("server", "keep_alive_seconds"),
    "max_connections_per_address": ("server", "max_connections_per_address"),
    "session_idle_seconds": ("auth", "session_idle_seconds"),
    "session_absolute_seconds": ("auth", "session_absolute_seconds"),
    "read_replica_max_lag_seconds": ("", "read_replica_max_lag_seconds"),
    "print_timeout_seconds": ("printing", "timeout_seconds"),
}
_STR_KEYS = {
    "database_url": ("", "database_url"),
    "read_replica_url": ("", "read_replica_url"),
    "host": ("server", "host"),
    "public_origin": ("server", "public_origin"),
    "name": ("appliance", "name"),
    "language": ("appliance", "language"),
    "time_zone": ("appliance", "time_zone"),
    "printer": ("printing", "printer"),
    "print_server": ("printing", "server"),
}
_TIMEOUTS = (
    "print_timeout_seconds",
    "header_timeout_seconds",
    "body_timeout_seconds",
    "response_timeout_seconds",
    "keep_alive_seconds",
)
# CUPS accepts any printable character in a queue name but these (lpadmin(8)); a leading
# dash would read as an option.
_PRINTER_NAME = re.compile(r"[^\s\x00-\x1f\x7f/\\#?'\"-][^\s\x00-\x1f\x7f/\\#?'\"]{0,126}")
_LIST_KEYS = {"plugins_allow": ("plugins", "allow"), "plugins_require": ("plugins", "require")}
_KNOWN = {
    "": {"data_dir", "database_url", "read_replica_url", "read_replica_max_lag_seconds"},
    "server": {
        "host",
        "port",
        "workers",
        "public_origin",
        "max_body_bytes",
        "header_timeout_seconds",
        "body_timeout_seconds",
        "response_timeout_seconds",
        "keep_alive_seconds",
        "max_connections_per_address",
    },
    "auth": {"session_idle_seconds", "session_absolute_seconds"},
    "plugins": {"allow", "require"},
    "appliance": {"name", "language", "time_zone"},
    "printing": {"printer", "server", "timeout_seconds"},
}
_ENV = {
    "URNA_DATA_DIR": "data_dir",
    "URNA_DATABASE_URL": "database_url",
    "URNA_READ_REPLICA_URL": "read_replica_url",
    "URNA_HOST": "host",
    "URNA_PORT": "port",
    "URNA_WORKERS": "workers",
    "URNA_PUBLIC_ORIGIN": "public_origin",
    "URNA_PLUGINS_ALLOW": "plugins_allow",
    "URNA_PLUGINS_REQUIRE": "plugins_require",
    "URNA_LANGUAGE": "language",
    "URNA_TIME_ZONE": "time_zone",
    "URNA_PRINTER": "printer",
}


def load_settings(
    config: Path | None = None,
    *,
    data_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings from a file, the data directory and the environment."""
    env = os.environ if env is None else env
    config = config or (Path(env["URNA_CONFIG"]) if env.get("URNA_CONFIG") else None)
    data_dir = data_dir or (Path(env["URNA_DATA_DIR"]) if env.get("URNA_DATA_DIR") else None)
    if config is None:
        candidate = (data_dir or DEFAULT_DATA_DIR) / CONFIG_NAME
        config = candidate if candidate.is_file() else None
    values: dict[str, Any] = _read_file(config) if config is not None else {}
    plugin_sections = values.pop("plugin_sections", {})
    for variable, key in _ENV.items():
        if variable in env and variable != "URNA_DATA_DIR":
            values[key] = _coerce(key, env[variable], variable)
    values["data_dir"] = data_dir or Path(values.get("data_dir", DEFAULT_DATA_DIR))
    for key in _LIST_KEYS:
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    settings = Settings(**values, plugin_sections=plugin_sections)
    _validate(settings)
    return settings


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from None
    values: dict[str, Any] = {"plugin_sections": raw.pop("plugin", {})}
    for section, keys in raw.items():
        table = {section: keys} if not isinstance(keys, dict) else keys
        section_name = "" if not isinstance(keys, dict) else section
        if section_name not in _KNOWN:
            raise SettingsError(f"{path}: unknown section [{section}]")
        for key, value in table.items():
            if key not in _KNOWN[section_name]:
                dotted = f"{section_name}.{key}" if section_name else key
                raise SettingsError(f"{path}: unknown setting {dotted!r}")
            values[_field_for(section_name, key)] = value
    if "data_dir" in values:
        base = path.parent
        values["data_dir"] = (base / Path(values["data_dir"])).resolve()
    return values


def _field_for(section: str, key: str) -> str:
    for table in (_INT_KEYS, _STR_KEYS, _LIST_KEYS):
        for field, location in table.items():
            if location == (section, key):
                return field
    return key


def _coerce(key: str, text: str, variable: str) -> Any:
    if key in _INT_KEYS:
        try:
            return int(text)
        except ValueError:
            raise SettingsError(f"{variable} must be an integer, got {text!r}") from None
    if key in _LIST_KEYS:
        return tuple(item.strip() for item in text.split(",") if item.strip())
    return text


def _validate(settings: Settings) -> None:
    for field in _INT_KEYS:
        value = getattr(settings, field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SettingsError(f"setting {field} must be a non-negative integer")
    if not 0 < settings.port < 65536:
        raise SettingsError(f"setting port must be 1..65535, got {settings.port}")
    if settings.workers < 1:
        raise SettingsError("setting workers must be at least 1")
    for field in _LIST_KEYS:
        value = getattr(settings, field)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"setting {field} must be a list of plugin names")
    if not isinstance(settings.database_url, str):
        raise SettingsError("setting database_url must be a string")
    if settings.database_url:
        try:
            parse_postgres_url(settings.database_url)
        except DatabaseUrlError as exc:
            raise SettingsError(f"{exc} (empty: SQLite)") from None
    _validate_replica(settings)
    if settings.max_body_bytes < 1024:
        raise SettingsError("max_body_bytes must be at least 1024")
    for field in _TIMEOUTS:
        if getattr(settings, field) < 1:
            raise SettingsError(f"setting {field} must be at least 1 (seconds)")
    for field in _STR_KEYS:
        if not isinstance(getattr(settings, field), str):
            raise SettingsError(f"setting {field} must be a string")
    if settings.language not in LANGUAGES:
        raise SettingsError(f"language must be one of {', '.join(LANGUAGES)}")
    if settings.printer and not _PRINTER_NAME.fullmatch(settings.printer):
        raise SettingsError(
            f"[printing] printer {settings.printer!r} is not a CUPS printer name (up to 127 "
            "letters, digits and punctuation other than / \\ # ? ' \" and no spaces)"
        )
    if settings.print_server.startswith("-") or any(c.isspace() for c in settings.print_server):
        raise SettingsError(f"[printing] server {settings.print_server!r} is not a CUPS server")
    try:
        zoneinfo.ZoneInfo(settings.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"time_zone {settings.time_zone!r} is not a known IANA zone") from None


def _validate_replica(settings: Settings) -> None:
    if not settings.read_replica_url:
        return
    if not isinstance(settings.read_replica_url, str):
        raise SettingsError("setting read_replica_url must be a string")
    if settings.uses_sqlite:
        raise SettingsError("read_replica_url needs database_url: replicas are PostgreSQL's")
    try:
        target = parse_postgres_url(
            settings.read_replica_url, setting="read_replica_url", several_hosts_need="standby"
        )
    except DatabaseUrlError as exc:
        raise SettingsError(str(exc)) from None
    if target.target_session_attrs in ("read-write", "primary"):
        raise SettingsError(
            "read_replica_url must not ask for the primary: use target_session_attrs=standby "
            "(or prefer-standby)"
        )
    if settings.read_replica_max_lag_seconds < 1:
        raise SettingsError("setting read_replica_max_lag_seconds must be at least 1 (seconds)")
