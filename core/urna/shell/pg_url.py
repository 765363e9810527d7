"""PostgreSQL database URLs, libpq style, with one host or several.

``postgres://user:password@host1:5432,host2:5432/urna?target_session_attrs=read-write``
names a primary and its standby: a new connection tries the hosts in order and
keeps the first that matches ``target_session_attrs`` (``read-write``: the one
that accepts writes, that is the primary, or the standby once promoted). The
standard library's ``urlparse`` reads such a netloc wrongly (its host becomes
``host1:5432,host2``), so Urna parses it here, once, for the settings'
validation and for the database engine alike. Errors never repeat the URL: it
may carry a password.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

import attrs

DEFAULT_PORT = 5432
SCHEMES = ("postgres://", "postgresql://")
TARGET_SESSION_ATTRS = ("any", "primary", "standby", "prefer-standby", "read-write", "read-only")


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message names the part, never the password."""


@attrs.frozen(slots=True)
class PostgresTarget:
    hosts: tuple[str, ...]
    ports: tuple[int, ...]
    user: str
    password: str = attrs.field(repr=False)
    database: str
    target_session_attrs: str | None = None
    """``None``: asyncpg's default (``any``), right for a single host."""


def parse_postgres_url(
    url: str, *, setting: str = "database_url", several_hosts_need: str = "read-write"
) -> PostgresTarget:
    """The hosts, credentials and database of a ``postgres://`` URL. ``setting`` names the
    URL in messages; a URL of several hosts must say which it wants (``several_hosts_need``:
    the primary for writes, a standby for the portal's reads)."""
    scheme = next((s for s in SCHEMES if url.startswith(s)), None)
    if scheme is None:
        raise DatabaseUrlError(f"{setting} must start with postgres:// or postgresql://")
    rest, _, query = url[len(scheme) :].partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, _, hostlist = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    database = unquote(path)
    if not database or "/" in database:
        raise DatabaseUrlError(f"{setting} must name one database: postgres://.../<database>")
    addresses = [_host_port(part, setting) for part in hostlist.split(",")]
    return PostgresTarget(
        hosts=tuple(host for host, _ in addresses),
        ports=tuple(port for _, port in addresses),
        user=unquote(user),
        password=unquote(password),
        database=database,
        target_session_attrs=_target_session_attrs(
            query, len(addresses), setting, several_hosts_need
        ),
    )


def _host_port(part: str, setting: str) -> tuple[str, int]:
    if part.startswith("["):  # [::1]:5432
        host, _, port = part[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = part.partition(":")
    if not host:
        raise DatabaseUrlError(f"{setting} names an empty host (hosts are host[:port],...)")
    if not port:
        return unquote(host), DEFAULT_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise DatabaseUrlError(f"{setting} port {port!r} of host {host!r} is not 1..65535")
    return unquote(host), int(port)


def _target_session_attrs(query: str, hosts: int, setting: str, several_need: str) -> str | None:
    value = None
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise DatabaseUrlError(f"{setting} parameters must be key=value&...") from None
    for key, given in pairs:
        if key != "target_session_attrs":
            raise DatabaseUrlError(
                f"{setting} parameter {key!r} is not supported (only target_session_attrs)"
            )
        if given not in TARGET_SESSION_ATTRS:
            raise DatabaseUrlError(
                f"{setting} target_session_attrs must be one of "
                f"{', '.join(TARGET_SESSION_ATTRS)}, got {given!r}"
            )
        value = given
    if hosts > 1 and value is None:
        raise DatabaseUrlError(
            f"{setting} names several hosts: add ?target_session_attrs={several_need}, "
            "or any of them could be chosen"
        )
    return value
