"""The ``urna`` command. Errors are one clear line on stderr, never a traceback.

Exit codes: 0 success; 1 a failed check or operation (``urna verify``: any
check failed); 2 usage errors and unreadable input.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sys
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import attrs
import click
import pluggy

from urna.contributions import ReportContext
from urna.errors import UrnaError
from urna.languages import LANGUAGES
from urna.plugins import PluginError, installed_plugins, make_plugin_manager
from urna.record.errors import RecordError
from urna.shell.backup import backup_command, restore_command
from urna.shell.keys import create_key_file, load_key_file
from urna.shell.registry import Registry, build_registry
from urna.shell.settings import CONFIG_NAME, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from urna.shell.services import Services

# Commands import the web server and the database only when they need them: `urna init`
# runs at every appliance boot and `urna verify` on observers' machines, where importing
# sanic and tortoise would cost most of their run time.

T = TypeVar("T")
KNOWN_ERRORS = (UrnaError, RecordError, OSError)
# What `pip install urna` leaves out and `urna[appliance]` brings (docs/verifier.md).
APPLIANCE_MODULES = frozenset(
    {"sanic", "sanic_routing", "tortoise", "asyncpg", "aiosqlite", "pyudev", "jinja2", "babel"}
)


class NotInitialisedError(UrnaError):
    """The data directory has no appliance key: a mistyped --data-dir, or no ``urna init``."""


class CommandContext:
    """Settings and plugins, resolved lazily from the global options."""

    def __init__(self, config: Path | None, data_dir: Path | None) -> None:
        self.config = config
        self.data_dir = data_dir

    @functools.cached_property
    def settings(self) -> Settings:
        return load_settings(self.config, data_dir=self.data_dir)

    @functools.cached_property
    def plugin_manager(self) -> pluggy.PluginManager:
        return make_plugin_manager(self.settings.plugins_allow, self.settings.plugins_require)

    @functools.cached_property
    def registry(self) -> Registry:
        return build_registry(self.plugin_manager)

    def reload(self) -> None:
        """Forget resolved settings and plugins (after ``init`` wrote a settings file)."""
        for name in ("settings", "plugin_manager", "registry"):
            self.__dict__.pop(name, None)

    def require_initialised(self) -> Settings:
        """The settings, if ``urna init`` made their data directory: no command but ``init``
        (and ``demo``) creates one, so a mistyped ``--data-dir`` never starts an empty one."""
        settings = self.settings
        if not settings.key_path.is_file():
            raise NotInitialisedError(
                f"{settings.data_dir} is not an initialised data directory (no "
                f"{settings.key_path.relative_to(settings.data_dir)}): check --data-dir, "
                f"or create one with 'urna --data-dir {settings.data_dir} init'"
            )
        return settings

    @contextlib.asynccontextmanager
    async def services(self) -> AsyncIterator[Services]:
        """The appliance's services with the database open and migrated, for one command.

        Pending committed migrations are applied first, as ``urna serve`` does, and named
        in one line on stderr: a command right after ``urna init`` (or an upgrade) works."""
        from urna.shell import db
        from urna.shell.services import running_services

        settings = self.require_initialised()
        applied = await db.migrate(settings, self.registry.model_apps)
        if applied:
            click.echo(f"urna: applied {len(applied)} migration(s): {', '.join(applied)}", err=True)
        async with running_services(settings, self.registry, self.plugin_manager) as services:
            yield services


pass_context = click.make_pass_decorator(CommandContext)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class PluginGroup(click.Group):
    """The root group: core commands plus one group per enabled plugin."""

    def _plugin_groups(self, ctx: click.Context) -> dict[str, click.Command]:
        context = ctx.find_object(CommandContext) or CommandContext(
            ctx.params.get("config"), ctx.params.get("data_dir")
        )
        try:
            commands = context.registry.commands
        except (SettingsError, PluginError):
            return {}
        groups: dict[str, click.Command] = {}
        for plugin, plugin_commands in commands.items():
            group = click.Group(plugin, help=f"Commands of the {plugin} plugin.")
            for command in plugin_commands:
                group.add_command(command)
            groups[plugin] = group
        return groups

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *sorted(self._plugin_groups(ctx))]

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Say why no plugin group is listed: none is enabled in these settings."""
        if self._plugin_groups(ctx):
            return
        installed = ", ".join(sorted(installed_plugins())) or "none"
        with formatter.section("Plugins"):
            formatter.write_text(
                "No plugin is enabled here, so no plugin commands are listed (installed: "
                f"{installed}). Enable them with [plugins] allow in the data directory's "
                f"{CONFIG_NAME}, which 'urna init' writes, or pass --data-dir before --help."
            )

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugin_groups(ctx).get(name)


# --config and --data-dir are eager, so that `urna --data-dir D --help` reads D's settings
# before the (eager) help lists the enabled plugins' groups.
@click.group(cls=PluginGroup)
@click.option(
    "--config", type=click.Path(path_type=Path), is_eager=True, help="Settings file (TOML)."
)
@click.option("--data-dir", type=click.Path(path_type=Path), is_eager=True, help="Data directory.")
@click.version_option(package_name="urna")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, data_dir: Path | None) -> None:
    """Urna: verifiable election and e-voting appliances."""
    ctx.obj = CommandContext(config, data_dir)


@cli.command()
@click.option("--if-missing", is_flag=True, help="Do nothing if the key already exists.")
@pass_context
def init(context: CommandContext, if_missing: bool) -> None:
    """Create the data directory, the appliance key (0600) and a settings file."""
    fingerprint = initialise(context, if_missing=if_missing)
    click.echo(f"fingerprint: {fingerprint}")


def initialise(context: CommandContext, *, if_missing: bool) -> str:
    """Create the data directory, key and settings file; answer the key's fingerprint."""
    settings = context.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.key_path.exists() and if_missing:
        key = load_key_file(settings.key_path)
    else:
        key = create_key_file(settings.key_path)
        click.echo(f"created {settings.key_path}")
    config_path = settings.data_dir / CONFIG_NAME
    if context.config is None and not os.environ.get("URNA_CONFIG") and not config_path.exists():
        plugins = sorted(installed_plugins())
        config_path.write_text(default_config(plugins), encoding="utf-8")
        click.echo(f"wrote {config_path} (plugins: {', '.join(plugins) or 'none'})")
        context.reload()
    return key.verify_key.hex()


def default_config(plugins: list[str]) -> str:
    listed = ", ".join(json.dumps(name) for name in plugins)
    return (
        "# Urna settings. Environment variables URNA_* override these.\n"
        'database_url = ""  # empty: SQLite in this directory\n\n'
        '[server]\nhost = "127.0.0.1"\nport = 8080\n\n'
        "[plugins]\n"
        f"allow = [{listed}]\n"
        f"require = [{listed}]\n"
    )


@cli.group(name="db")
def db_group() -> None:
    """Database migrations."""


@db_group.command()
@pass_context
def migrate(context: CommandContext) -> None:
    """Apply every committed migration of the core and the enabled plugins."""
    from urna.shell import db

    applied = run(db.migrate(context.require_initialised(), context.registry.model_apps))
    for name in applied:
        click.echo(f"applied {name}")
    click.echo("database is up to date")


@db_group.command()
@click.argument("labels", nargs=-1)
@click.option("--name", help="Name of the new migration.")
@pass_context
def makemigrations(context: CommandContext, labels: tuple[str, ...], name: str | None) -> None:
    """Write migration files for model changes (for Urna and plugin developers)."""
    from urna.shell import db

    run(db.make_migrations(context.settings, context.registry.model_apps, labels, name))


@cli.command()
@click.option("--host", help="Address to listen on.")
@click.option("--port", type=int, help="Port to listen on.")
@click.option("--no-migrate", is_flag=True, help="Do not apply pending migrations first.")
@pass_context
def serve(context: CommandContext, host: str | None, port: int | None, no_migrate: bool) -> None:
    """Serve the appliance over HTTP."""
    from urna.shell.server import serve_forever

    settings = context.require_initialised()
    if no_migrate:
        run(_opens(context))
    if host or port:
        settings = attrs.evolve(settings, host=host or settings.host, port=port or settings.port)
    serve_forever(settings, context.registry, context.plugin_manager, migrate=not no_migrate)


async def _opens(context: CommandContext) -> None:
    async with context.services():
        pass


@cli.group()
def users() -> None:
    """User accounts."""


@users.command(name="add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help="Role to grant (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_context
def users_add(
    context: CommandContext, username: str, roles: tuple[str, ...], password_stdin: bool
) -> None:
    """Create a user (the password is asked for, never taken as an argument)."""
    context.require_initialised()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not sys.stdin.isatty():
        raise click.UsageError("no terminal to ask the password on: pipe it to --password-stdin")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)

    from urna.shell.accounts import create_user

    async def add() -> None:
        async with context.services() as services:
            await create_user(username, password, roles, services.registry.roles)

    run(add())
    click.echo(f"created user {username} with roles {', '.join(roles) or 'none'}")


@cli.group()
def record() -> None:
    """The election record."""


@record.command(name="export")
@click.argument("scope")
@click.argument("directory", type=click.Path(path_type=Path))
@pass_context
def record_export(context: CommandContext, scope: str, directory: Path) -> None:
    """Write the bundle of SCOPE to DIRECTORY and DIRECTORY.tar."""

    async def export() -> Path:
        async with context.services() as services:
            return await services.ledger.export(scope, directory)

    tar_path = run(export())
    click.echo(f"wrote {directory}/ and {tar_path}")


def _hex_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    key = value.strip().lower()
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise click.BadParameter("must be the appliance key's fingerprint: 64 hex digits")
    return key


@cli.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write a JSON report.")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores"
)
@click.option(
    "--checkpoint",
    type=click.Path(path_type=Path),
    help="A saved signed checkpoint the bundle must contain.",
)
@click.option(
    "--key",
    "trusted_key",
    callback=_hex_key,
    help="The appliance key (64 hex digits, its fingerprint) the bundle must be signed by.",
)
@click.option("--quiet", is_flag=True, help="No progress and no summary; only the exit code.")
def verify(
    bundle: Path,
    json_path: Path | None,
    jobs: int,
    checkpoint: Path | None,
    trusted_key: str | None,
    quiet: bool,
) -> None:
    """Verify a record bundle (directory or .tar): exit 0 verified, 1 failed, 2 unreadable."""
    from urna.shell.verify_command import run_verify

    published = None
    if checkpoint is not None:
        from urna.record.checkpoint import Checkpoint

        published = Checkpoint.from_bytes(checkpoint.read_bytes())
    code = run_verify(bundle, json_path, jobs, published, trusted_key, quiet)
    sys.exit(code)


@cli.command(name="report")
@click.argument("name")
@click.argument("scope")
@click.option("--format", "format_", default="pdf", show_default=True, help="Output format.")
@click.option("--output", type=click.Path(path_type=Path), required=True, help="File to write.")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    help="Language of the report (default: the appliance's language setting).",
)
@pass_context
def report_command(
    context: CommandContext,
    name: str,
    scope: str,
    format_: str,
    output: Path,
    language: str | None,
) -> None:
    """Render report NAME for SCOPE (``urna plugins`` and /-/reports.json list them)."""
    report = context.registry.reports.get(name)
    if report is None:
        known = ", ".join(sorted(context.registry.reports)) or "none"
        raise click.UsageError(f"no report {name!r} (enabled reports: {known})")
    if format_ not in report.formats:
        raise click.UsageError(f"report {name} renders {', '.join(report.formats)}, not {format_}")

    async def render() -> bytes:
        async with context.services() as services:
            words = services.web.translator(language or services.settings.language)
            try:
                return await report.render(scope, format_, ReportContext(services, words))
            except ValueError as exc:  # the report's own refusal: a scope it has no report of
                raise click.ClickException(str(exc)) from None

    output.write_bytes(run(render()))
    click.echo(f"wrote {output}")


@cli.command(name="print")
@click.argument("document", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--title", help="The job's name in CUPS (default: the file's name).")
@click.option("--copies", type=click.IntRange(1, 100), default=1, show_default=True)
@pass_context
def print_command(context: CommandContext, document: Path, title: str | None, copies: int) -> None:
    """Print a PDF (a saved report, a test page) on the [printing] printer."""
    from urna.shell.printing import Printer

    printer = Printer.from_settings(context.settings)
    job = run(printer.print_pdf(document.read_bytes(), title=title or document.name, copies=copies))
    click.echo(f"printing {document} on {job.printer}: job {job.id}")


@cli.group(name="appliance")
def appliance_group() -> None:
    """The appliance this runs on."""


@appliance_group.command(name="info")
@pass_context
def appliance_info_command(context: CommandContext) -> None:
    """Profile, dm-verity root hash, key fingerprint, plugins and mounted drives."""
    from urna.shell.appliance import appliance_info, format_appliance_info

    settings = context.settings
    fingerprint = (
        load_key_file(settings.key_path).verify_key.hex() if settings.key_path.exists() else None
    )
    plugins = [(info.name, info.version) for info in context.registry.plugins]
    click.echo(format_appliance_info(appliance_info(), fingerprint=fingerprint, plugins=plugins))


@cli.command()
@pass_context
def plugins(context: CommandContext) -> None:
    """List installed plugins and which are enabled."""
    installed = installed_plugins()
    settings = context.settings
    loaded = {info.name: info for info in context.registry.plugins}
    for name in sorted(set(installed) | set(settings.plugins_allow) - {"*"}):
        state = (
            "enabled"
            if name in loaded
            else ("NOT INSTALLED" if name not in installed else "installed, not allowed")
        )
        version = loaded[name].version if name in loaded else ""
        click.echo(f"{name:<20} {version:<10} {state}")


@cli.command()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory for the demo.")
@click.option("--no-serve", is_flag=True, help="Exit after the scenarios instead of serving.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to serve on.")
@pass_context
def demo(context: CommandContext, data_dir: Path | None, no_serve: bool, port: int | None) -> None:
    """Run every enabled plugin's demo scenario, export and verify the records, then serve."""
    from urna.shell.demo import run_demo

    if data_dir is not None:
        context.data_dir = data_dir
        context.reload()
    run_demo(context, serve=not no_serve, port=port)


cli.add_command(backup_command)
cli.add_command(restore_command)


def main() -> NoReturn:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("urna: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except (*KNOWN_ERRORS, ModuleNotFoundError) as exc:
        missing = _missing_appliance_module(exc)
        if missing is not None:
            click.echo(
                f"urna: error: this command runs the appliance, and its parts are not "
                f"installed here (no module {missing}): install 'urna[appliance]' and each "
                "plugin with [appliance]; an observer's install runs 'urna verify'",
                err=True,
            )
        elif isinstance(exc, ModuleNotFoundError):
            raise
        else:
            click.echo(f"urna: error: {_describe(exc)}", err=True)
        sys.exit(1)
    sys.exit(0)


def _missing_appliance_module(exc: BaseException | None) -> str | None:
    """The appliance's module that an observer's install (``pip install urna``) lacks, when
    its absence is why ``exc`` happened (a plugin's hook module importing sanic, say)."""
    while exc is not None:
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            top = exc.name.split(".")[0]
            if top in APPLIANCE_MODULES:
                return top
        exc = exc.__cause__
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc)
