"""Urna's pytest plugin, for Urna itself and for plugin authors.

Installed with ``pip install urna[testing]`` and loaded by pytest through the
``pytest11`` entry point. Fixtures:

``urna_plugins``   plugins to enable (override it: ``return ["myplugin"]``)
``urna_database``  database URL, parametrised over SQLite and PostgreSQL
``urna_settings``  settings in a fresh data directory, with an appliance key
``urna_pm``        a fresh plugin manager; ``urna_registry`` its contributions
``urna_services``  a migrated, open database with the ledger and services
``urna_server``    a real sanic server on a free port with HTTP clients
``urna_keys``      deterministic Ed25519 keys by name
``urna_browser``   headless Chromium (Debian's) driven by Selenium
``urna_pages``     pages seen in that browser: axe-core, language and screenshots
``urna_cups``      a private CUPS scheduler for the session (Debian's cups)
``urna_printer``   a CUPS-PDF printer on it whose jobs come out as PDFs to read back

``pytest --screenshots DIR`` writes a PNG of every page ``urna_pages`` visits.

PostgreSQL comes from ``URNA_TEST_POSTGRES_URL`` or is started from the
``initdb``/``pg_ctl`` binaries. When a component is missing the test is
skipped, unless ``URNA_TEST_REQUIRE`` names it (CI sets
``postgresql,chromium,umockdev,shared-data,cups``), in which case the test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import glob
import hashlib
import itertools
import json
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import attrs
import pluggy
import pytest

from urna.contributions import ModelApp
from urna.crypto.ceremony import (
    EncryptedShare,
    GuardianSecret,
    KeyShare,
    combine_shares,
    generate_guardian,
    make_shares,
    receive_share,
)
from urna.crypto.election import Election, ceremony_hash, confirm_ceremony, make_election
from urna.crypto.manifest import ElectionParameters
from urna.crypto.rng import RandBytes
from urna.crypto.signing import SigningKey
from urna.plugins import PluginError, make_plugin_manager
from urna.shell import db
from urna.shell.keys import create_key_file
from urna.shell.printing import PrintJob
from urna.shell.registry import Registry, build_registry
from urna.shell.services import Services, running_services
from urna.shell.settings import Settings

if TYPE_CHECKING:
    from sanic import Sanic

    from urna.record.event import Event

try:
    import httpx
    import pytest_asyncio
except ImportError:  # pragma: no cover - the kit needs urna[testing]
    httpx = None  # type: ignore[assignment]
    pytest_asyncio = None  # type: ignore[assignment]

__all__ = [
    "Ceremony",
    "CupsServer",
    "KeyFactory",
    "MigratedTemplates",
    "PageChecker",
    "PageVisit",
    "PluginError",
    "PostgresServer",
    "RecordBuilder",
    "UrnaServer",
    "VirtualPrinter",
    "catalog_problems",
    "drbg",
    "honest_ceremony",
    "make_plugin_manager",
    "require_component",
    "resigned_bundle",
    "serve_in_process",
]
"""Besides the fixtures: ``make_plugin_manager`` and ``PluginError`` let a plugin's tests
build a manager with an extra in-test plugin (``extra=[(name, object)]``)."""

REQUIRE_ENV = "URNA_TEST_REQUIRE"
POSTGRES_URL_ENV = "URNA_TEST_POSTGRES_URL"
TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 - for test users only


def require_component(name: str, reason: str) -> NoReturn:
    """Skip for want of ``name``, or fail when ``URNA_TEST_REQUIRE`` says it must be there."""
    required = {part.strip() for part in os.environ.get(REQUIRE_ENV, "").split(",")}
    if name in required or "all" in required:
        pytest.fail(f"{name} is required here ({REQUIRE_ENV}) but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="write a PNG of every page the urna_pages fixture visits into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    from sanic import Sanic

    # Each test builds its own app; sanic otherwise refuses a second app named "urna".
    Sanic.test_mode = True
    config.addinivalue_line("markers", "postgres: needs a PostgreSQL server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """A throwaway PostgreSQL cluster on loopback, or an external one from the environment."""

    def __init__(self, url: str, stop: Any = None) -> None:
        self.url = url.rstrip("/")
        self._stop = stop
        self._counter = itertools.count()

    def create_database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of ``template``; answers its URL."""
        import asyncpg

        name = f"urna_test_{os.getpid()}_{next(self._counter)}"
        copy = f' TEMPLATE "{template}"' if template else ""

        async def create() -> None:
            connection = await asyncpg.connect(f"{self.url}/postgres")
            try:
                await connection.execute(f'CREATE DATABASE "{name}"{copy}')
            finally:
                await connection.close()

        asyncio.run(create())
        return f"{self.url}/{name}"

    def drop_database(self, url: str) -> None:
        """Drop a test database, closing whatever connections a failed test left open."""
        import asyncpg

        name = url.rsplit("/", 1)[1]

        async def drop() -> None:
            connection = await asyncpg.connect(f"{self.url}/postgres")
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await connection.close()

        asyncio.run(drop())

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()


def postgres_binaries() -> tuple[str, str] | None:
    for directory in [None, *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        initdb = shutil.which("initdb", path=directory)
        pg_ctl = shutil.which("pg_ctl", path=directory)
        if initdb and pg_ctl:
            return initdb, pg_ctl
    return None


def start_postgres() -> PostgresServer | str:
    """Start a cluster in a temporary directory; answers the server or why it cannot."""
    binaries = postgres_binaries()
    if binaries is None:
        return "no initdb/pg_ctl on PATH or under /usr/lib/postgresql"
    initdb, pg_ctl = binaries
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="urna-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server"
        os.chown(base, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = base / "data"
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    try:
        subprocess.run(
            [
                *prefix,
                initdb,
                "-D",
                str(data),
                "-U",
                "urna",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-o",
                options,
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        return f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')[-500:]}"

    def stop() -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)

    return PostgresServer(f"postgres://urna@127.0.0.1:{port}", stop)


@pytest.fixture(scope="session")
def urna_postgres_server() -> Iterator[PostgresServer | str]:
    """A PostgreSQL server for the session, or the reason there is none."""
    external = os.environ.get(POSTGRES_URL_ENV)
    server = PostgresServer(external) if external else start_postgres()
    yield server
    if isinstance(server, PostgresServer):
        server.stop()


class MigratedTemplates:
    """Databases migrated once per session and copied for each test.

    Migrating costs about a second per database; copying a migrated SQLite
    file or creating a PostgreSQL database from a template costs little.
    Templates are keyed by the set of model apps (that is, by enabled plugins).
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._made: dict[tuple[str, tuple[tuple[str, str, str], ...]], str] = {}

    def _template(self, kind: str, apps: Mapping[str, ModelApp], url: str = "") -> str:
        key = (kind, tuple(sorted((label, a.models, a.migrations) for label, a in apps.items())))
        if key not in self._made:
            index = len(self._made)
            settings = Settings(data_dir=self._directory / f"template-{index}", database_url=url)
            asyncio.run(db.migrate(settings, apps))
            self._made[key] = str(settings.sqlite_path) if kind == "sqlite" else url
        return self._made[key]

    def sqlite_copy(self, apps: Mapping[str, ModelApp], target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._template("sqlite", apps), target)

    def postgres_database(self, server: PostgresServer, apps: Mapping[str, ModelApp]) -> str:
        probe = server.create_database()
        template_url = self._template("postgres", apps, probe)
        return server.create_database(template=template_url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def urna_migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    return MigratedTemplates(tmp_path_factory.mktemp("urna-templates"))


def _model_apps(plugins: list[str]) -> Mapping[str, ModelApp]:
    return build_registry(make_plugin_manager(plugins)).model_apps


@pytest.fixture(params=["sqlite", "postgresql"])
def urna_database(
    request: pytest.FixtureRequest,
    urna_plugins: list[str],
    urna_migrated_templates: MigratedTemplates,
) -> Iterator[str]:
    """A database URL: ``""`` for the embedded SQLite, or a PostgreSQL database;
    either way already migrated for the enabled plugins."""
    if request.param == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("urna_postgres_server")
    if isinstance(server, str):
        require_component("postgresql", server)
    url = urna_migrated_templates.postgres_database(server, _model_apps(urna_plugins))
    yield url
    server.drop_database(url)


@pytest.fixture
def urna_plugins() -> list[str]:
    """The plugins to enable; override in your conftest.py to name your own."""
    return ["*"]


@pytest.fixture
def urna_settings(
    tmp_path: Path,
    urna_database: str,
    urna_plugins: list[str],
    urna_migrated_templates: MigratedTemplates,
) -> Settings:
    data_dir = tmp_path / "urna-data"
    settings = Settings(
        data_dir=data_dir,
        database_url=urna_database,
        port=free_port(),
        plugins_allow=tuple(urna_plugins),
        # Every client of a test server comes from 127.0.0.1, and the kit keeps them open
        # until the test ends: the per-address cap (urna.shell.limits) counts, never bites.
        max_connections_per_address=1024,
    )
    if settings.uses_sqlite:
        urna_migrated_templates.sqlite_copy(_model_apps(urna_plugins), settings.sqlite_path)
    create_key_file(settings.key_path)
    return settings


@pytest.fixture
def urna_pm(urna_settings: Settings) -> pluggy.PluginManager:
    return make_plugin_manager(urna_settings.plugins_allow, urna_settings.plugins_require)


@pytest.fixture
def urna_registry(urna_pm: pluggy.PluginManager) -> Registry:
    return build_registry(urna_pm)


@attrs.define
class KeyFactory:
    """Deterministic Ed25519 keys: the same name gives the same key in every run."""

    def __call__(self, name: str) -> SigningKey:
        return SigningKey.from_seed(hashlib.sha256(f"urna-test-key:{name}".encode()).digest())


@pytest.fixture
def urna_keys() -> KeyFactory:
    return KeyFactory()


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def urna_services(
        urna_settings: Settings, urna_registry: Registry, urna_pm: pluggy.PluginManager
    ) -> AsyncIterator[Services]:
        """A migrated database, opened, with the appliance's services."""
        await db.migrate(urna_settings, urna_registry.model_apps)
        async with running_services(urna_settings, urna_registry, urna_pm) as services:
            yield services

    @pytest_asyncio.fixture
    async def urna_server(
        urna_settings: Settings, urna_pm: pluggy.PluginManager
    ) -> AsyncIterator[UrnaServer]:
        """A real sanic server of the appliance on a free loopback port."""
        async with serve_in_process(urna_settings, urna_pm) as server:
            yield server


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client: httpx builds one per client otherwise,
    which costs ~0.1 s each (loading the CA bundle)."""
    return ssl.create_default_context()


@attrs.define
class UrnaServer:
    """A running appliance: its URL, services, app (for its router), and ways to call it."""

    url: str
    services: Services
    app: Sanic[Any, Any]
    clients: list[Any] = attrs.field(factory=list)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An anonymous HTTP client for this server."""
        kwargs.setdefault("verify", _tls_context())
        client = httpx.AsyncClient(base_url=self.url, timeout=30, **kwargs)
        self.clients.append(client)
        return client

    async def add_user(
        self, username: str, roles: list[str], password: str = TEST_PASSWORD
    ) -> None:
        from urna.shell.accounts import create_user

        await create_user(username, password, roles, self.services.registry.roles)

    async def login(
        self, username: str, roles: list[str] | None = None, password: str = TEST_PASSWORD
    ) -> httpx.AsyncClient:
        """A client signed in by session cookie, sending Origin and CSRF headers like a page."""
        if roles is not None:
            await self.add_user(username, roles, password)
        client = self.client(headers={"Origin": self.url})
        response = await client.post("/-/login", json={"username": username, "password": password})
        response.raise_for_status()
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return client

    async def token_client(self, username: str, roles: list[str]) -> httpx.AsyncClient:
        """A client authenticated by an API token, as a device is."""
        from urna.shell.auth.principal import create_api_token
        from urna.shell.models import User

        await self.add_user(username, roles)
        user = await User.get(username=username)
        token = await create_api_token(user, f"{username}-device")
        return self.client(headers={"Authorization": f"Bearer {token}"})


@contextlib.asynccontextmanager
async def serve_in_process(
    settings: Settings, manager: pluggy.PluginManager
) -> AsyncIterator[UrnaServer]:
    """Migrate, start the app's server in this event loop, and stop it afterwards."""
    from urna.shell.app import create_app
    from urna.shell.limits import LimitedHttpProtocol
    from urna.shell.server import prepare_to_serve

    registry = build_registry(manager)
    await prepare_to_serve(settings, registry, manager, migrate=True)
    app = create_app(settings, manager)
    server = await app.create_server(
        host=settings.host,
        port=settings.port,
        return_asyncio_server=True,
        access_log=False,
        protocol=LimitedHttpProtocol,
    )
    assert server is not None
    await server.startup()
    try:
        await server.before_start()
    except BaseException:
        server.close()
        await server.wait_closed()
        raise
    await server.after_start()
    running = UrnaServer(f"http://{settings.host}:{settings.port}", app.ctx.services, app)
    try:
        yield running
    finally:
        for client in running.clients:
            await client.aclose()
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_CONFIG_DIR = Path("/etc/cups")
"""CUPS-PDF reads an instance's settings only from here (``cups-pdf-<instance>.conf``)."""


@attrs.frozen
class VirtualPrinter:
    """A CUPS-PDF printer of a test's own: every job it prints becomes a PDF in ``output``."""

    name: str
    server: str
    """The private scheduler's socket: what ``[printing] server`` names."""
    output: Path

    def configure(self, settings: Settings) -> Settings:
        """``settings`` printing on this printer (override ``urna_settings`` with it)."""
        return attrs.evolve(settings, printer=self.name, print_server=self.server)

    def jobs(self, which: str = "all") -> list[str]:
        """The ids of the jobs CUPS holds for this printer: ``all``, ``completed`` or
        ``not-completed`` (``lpstat -W``). A test that nothing was printed: ``== []``."""
        listing = subprocess.run(
            ["lpstat", "-h", self.server, "-W", which, "-o", self.name],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "LC_ALL": "C"},
        ).stdout
        return [line.split()[0] for line in listing.splitlines() if line.strip()]

    def printed(self, job: PrintJob, timeout: float = 60) -> Path:
        """The PDF that ``job`` came out as, once CUPS reports the job completed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = sorted(self.output.glob(f"*-job_{job.number}.pdf"))
            if found and job.id in self.jobs("completed"):
                return found[0]
            time.sleep(0.1)
        log = Path(self.server).parent / "log" / "error_log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise AssertionError(f"job {job.id} printed nothing within {timeout} s; CUPS:\n{tail}")

    def printed_text(self, job: PrintJob) -> str:
        """The text of every page of ``job``'s PDF, as a reader of the paper would see it."""
        from pypdf import PdfReader

        reader = PdfReader(self.printed(job))
        return "\n".join(page.extract_text() or "" for page in reader.pages)


class CupsServer:
    """A private CUPS scheduler: its own configuration, spool, logs and socket in a
    temporary directory (nothing of the system's CUPS is used or changed), with CUPS-PDF
    printers added per test.

    It runs as root: CUPS runs the CUPS-PDF backend (mode 0700) only from a scheduler
    running as root, and CUPS-PDF refuses to run otherwise. CUPS-PDF reads each printer's
    settings from ``/etc/cups/cups-pdf-<printer>.conf``, which ``add_printer`` writes and
    ``remove_printer`` deletes.
    """

    def __init__(self, base: Path, process: subprocess.Popen[bytes]) -> None:
        self.base = base
        self.process = process
        self.socket = str(base / "cups.sock")
        self._counter = itertools.count()

    def lpadmin(self, *arguments: str) -> None:
        subprocess.run(["lpadmin", "-h", self.socket, *arguments], check=True, capture_output=True)

    def add_printer(self) -> VirtualPrinter:
        name = f"urna-test-{os.getpid()}-{next(self._counter)}"
        output = self.base / "printed" / name
        output.mkdir(parents=True, mode=0o755)
        (CUPS_PDF_CONFIG_DIR / f"cups-pdf-{name}.conf").write_text(
            f"Out {output}\nAnonDirName {output}\nLabel 1\nLog {self.base / 'log'}\n"
            f"Spool {self.base / 'cups-pdf-spool'}\nGSTmp {self.base / 'tmp'}\n"
        )
        self.lpadmin("-p", name, "-v", f"cups-pdf:/{name}", "-P", str(CUPS_PDF_PPD), "-E")
        return VirtualPrinter(name, self.socket, output)

    def remove_printer(self, printer: VirtualPrinter) -> None:
        self.lpadmin("-x", printer.name)
        (CUPS_PDF_CONFIG_DIR / f"cups-pdf-{printer.name}.conf").unlink(missing_ok=True)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for config in CUPS_PDF_CONFIG_DIR.glob(f"cups-pdf-urna-test-{os.getpid()}-*.conf"):
            config.unlink(missing_ok=True)
        shutil.rmtree(self.base, ignore_errors=True)


def start_cups() -> CupsServer | str:
    """Start a private scheduler; answers the server or why there can be none."""
    cupsd = shutil.which("cupsd", path=f"/usr/sbin:/sbin:{os.environ.get('PATH', '')}")
    if cupsd is None or shutil.which("lp") is None:
        return "no cupsd or lp: install Debian's cups"
    if not CUPS_PDF_BACKEND.exists() or not CUPS_PDF_PPD.exists():
        return "no CUPS-PDF: install Debian's printer-driver-cups-pdf"
    if os.geteuid() != 0:
        return "CUPS-PDF prints only under a CUPS scheduler running as root"
    base = Path(tempfile.mkdtemp(prefix="urna-cups-"))
    base.chmod(0o755)  # the filters run as the scheduler's unprivileged user (lp)
    for directory in ("spool", "cache", "state", "log"):
        (base / directory).mkdir()
    (base / "tmp").mkdir(mode=0o1777)
    (base / "tmp").chmod(0o1777)
    (base / "cups-files.conf").write_text(
        f"ServerRoot {base}\nRequestRoot {base / 'spool'}\nCacheDir {base / 'cache'}\n"
        f"StateDir {base / 'state'}\nTempDir {base / 'tmp'}\nPrintcap {base / 'printcap'}\n"
        f"ErrorLog {base / 'log' / 'error_log'}\nAccessLog {base / 'log' / 'access_log'}\n"
        f"PageLog {base / 'log' / 'page_log'}\nSystemGroup root\n"
    )
    (base / "cupsd.conf").write_text(
        f"Listen {base / 'cups.sock'}\nLogLevel info\nWebInterface No\nBrowsing No\n"
        "<Location />\n  Order allow,deny\n  Allow localhost\n</Location>\n"
    )
    process = subprocess.Popen(
        [cupsd, "-f", "-c", str(base / "cupsd.conf"), "-s", str(base / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=(base / "log" / "cupsd.out").open("wb"),
    )
    server = CupsServer(base, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        answer = subprocess.run(
            ["lpstat", "-h", server.socket, "-r"],
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
        )
        if answer.stdout.strip() == "scheduler is running":
            return server
        time.sleep(0.1)
    why = (base / "log" / "cupsd.out").read_text(errors="replace")[-500:]
    server.stop()
    return f"cupsd did not start: {why}"


@pytest.fixture(scope="session")
def urna_cups() -> Iterator[CupsServer | str]:
    """A private CUPS scheduler for the session, or the reason there is none."""
    server = start_cups()
    yield server
    if isinstance(server, CupsServer):
        server.stop()


@pytest.fixture
def urna_printer(urna_cups: CupsServer | str) -> Iterator[VirtualPrinter]:
    """A CUPS-PDF printer of this test's own on the private scheduler. To print on it
    from the appliance, override ``urna_settings``::

        @pytest.fixture
        def urna_settings(urna_settings, urna_printer):
            return urna_printer.configure(urna_settings)

    then ``job = await services.printer.print_pdf(pdf, title=...)`` and
    ``urna_printer.printed_text(job)`` is what came out on paper."""
    if isinstance(urna_cups, str):
        require_component("cups", urna_cups)
    printer = urna_cups.add_printer()
    yield printer
    urna_cups.remove_printer(printer)


CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER_PATHS = ("/usr/bin/chromedriver",)


@pytest.fixture
def urna_browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium driven by Selenium, with no network access of its own.

    Uses Debian's ``chromium`` and ``chromium-driver``; never downloads a browser.
    """
    browser = next((p for p in CHROMIUM_PATHS if os.path.exists(p)), None)
    driver_path = next((p for p in CHROMEDRIVER_PATHS if os.path.exists(p)), None)
    if browser is None or driver_path is None:
        require_component("chromium", "install Debian's chromium and chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        require_component("chromium", "selenium is not installed (pip install urna[testing])")
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(driver_path)))
    try:
        yield driver
    finally:
        driver.quit()


SERIOUS_IMPACTS = frozenset({"serious", "critical"})

# Visible text of a page, with the language each piece is written in: text nodes and the
# attributes a person or screen reader meets (alt, title, aria-label, placeholder, value of
# buttons), each with the nearest ``lang`` of its element (a switch link names its own).
_TEXTS_SCRIPT = """
const out = [];
const langOf = el => (el.closest('[lang]') || document.documentElement).getAttribute('lang');
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode, el = node.parentElement;
  if (!el || el.closest('script,style,template,noscript,code,pre')) continue;
  const text = node.textContent.replace(/\\s+/g, ' ').trim();
  if (text) out.push([langOf(el), text]);
}
for (const el of document.querySelectorAll('[alt],[title],[aria-label],[placeholder]')) {
  for (const name of ['alt', 'title', 'aria-label', 'placeholder']) {
    const value = el.getAttribute(name);
    if (value && value.trim()) out.push([langOf(el), value.trim()]);
  }
}
out.push([document.documentElement.getAttribute('lang'), document.title]);
return out;
"""


@attrs.frozen
class PageVisit:
    """What a person would have met on one page in one language."""

    path: str
    language: str
    title: str
    violations: tuple[dict[str, Any], ...]
    """axe-core violations of impact serious or critical."""
    foreign: tuple[str, ...]
    """Texts shown that are another language's translation of a catalog message."""
    screenshot: Path | None

    def problems(self) -> list[str]:
        found = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n.get("target")) for n in v.get("nodes", [])[:5])
            for v in self.violations
        ]
        found += [f"text in another language: {text!r}" for text in self.foreign]
        return found


class PageChecker:
    """Pages opened in headless Chromium as a person would: signed in or not, in a
    language; each checked with axe-core (no serious or critical violation) and for text
    of another language, and photographed when ``--screenshots DIR`` is given.

    ``await pages.sign_in(username, roles)`` signs in through the sign-in page;
    ``await pages.visit(path, language)`` answers a :class:`PageVisit`, failing the test
    on any problem unless ``check=False``.
    """

    def __init__(
        self, server: UrnaServer, driver: Any, screenshots: Path | None, test_name: str
    ) -> None:
        self.server = server
        self.driver = driver
        self.screenshots = screenshots
        self.test_name = test_name
        self.who = "anonymous"
        self._foreign = _foreign_texts(server.services.web.translations)

    async def sign_in(self, username: str, roles: list[str] | None = None) -> None:
        """Create the user (when ``roles`` is given) and sign in through the page's form."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        if roles is not None:
            await self.server.add_user(username, roles)
        driver = self.driver
        await asyncio.to_thread(driver.get, f"{self.server.url}/-/signin")
        await asyncio.to_thread(driver.find_element(By.ID, "username").send_keys, username)
        await asyncio.to_thread(driver.find_element(By.ID, "password").send_keys, TEST_PASSWORD)
        before = await asyncio.to_thread(driver.get_cookie, "urna_session")
        await asyncio.to_thread(driver.find_element(By.ID, "password").submit)

        def signed_in(d: Any) -> bool:
            # The answer is a redirect away from the form with a new session cookie; read
            # the cookies only once it has arrived, not the old session's.
            now = d.get_cookie("urna_session")
            return not str(d.current_url).split("?")[0].endswith("/-/signin") and (
                now is not None and now != before
            )

        await asyncio.to_thread(WebDriverWait(driver, 30, poll_frequency=0.05).until, signed_in)
        self.who = username

    async def sign_out(self) -> None:
        await asyncio.to_thread(self.driver.delete_cookie, "urna_session")
        self.who = "anonymous"

    async def visit(self, path: str, language: str, *, check: bool = True) -> PageVisit:
        """Open ``path`` in ``language`` (the switch's cookie), let its scripts settle, check."""
        driver = self.driver
        current = await asyncio.to_thread(lambda: driver.current_url)
        if not str(current).startswith(self.server.url):
            await asyncio.to_thread(driver.get, f"{self.server.url}/-/health")
        await asyncio.to_thread(
            driver.add_cookie, {"name": "urna_lang", "value": language, "path": "/"}
        )
        await asyncio.to_thread(driver.get, self.server.url + path)
        await asyncio.to_thread(
            driver.execute_async_script,
            "const done = arguments[arguments.length - 1];"
            "const settle = () => setTimeout(done, 300);"
            "document.readyState === 'complete' ? settle() : addEventListener('load', settle);",
        )
        violations = await asyncio.to_thread(_axe_violations, driver)
        texts = await asyncio.to_thread(driver.execute_script, _TEXTS_SCRIPT)
        page_language = str(
            await asyncio.to_thread(driver.execute_script, "return document.documentElement.lang;")
        )
        foreign = sorted(
            {
                text
                for lang, text in texts
                if lang == page_language and text in self._foreign.get(page_language, set())
            }
        )
        title = str(await asyncio.to_thread(lambda: driver.title))
        shot = await asyncio.to_thread(self._screenshot, path, language)
        visit = PageVisit(path, page_language, title, tuple(violations), tuple(foreign), shot)
        if check:
            assert page_language == language, f"{path}: asked for {language}, got {page_language}"
            problems = visit.problems()
            assert not problems, f"{path} in {language} as {self.who}:\n" + "\n".join(problems)
        return visit

    def _screenshot(self, path: str, language: str) -> Path | None:
        if self.screenshots is None:
            return None
        driver = self.driver
        height = driver.execute_script("return document.documentElement.scrollHeight;")
        driver.set_window_size(1280, max(900, min(int(height), 6000)))
        slug = "".join(c if c.isalnum() else "-" for c in path.strip("/")).strip("-") or "home"
        name = f"{slug}--{language}--{self.who}--{self.test_name}"[:180]
        target = self.screenshots / f"{name}.png"
        self.screenshots.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(target))
        driver.set_window_size(1280, 900)
        return target


def _axe_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical on the page as it is now."""
    from importlib import resources

    source = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()
    driver.execute_script(source)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]));"
    )
    return [v for v in found if v.get("impact") in SERIOUS_IMPACTS]


def _foreign_texts(translations: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each language, the texts that would be another language's: the other
    languages' translations of every message whose text differs in this language."""
    from babel.support import Translations

    texts: dict[str, dict[str, str]] = {}
    for language, catalog in translations.items():
        if isinstance(catalog, Translations):
            texts[language] = {
                str(k if isinstance(k, str) else k[0]): str(v)
                for k, v in catalog._catalog.items()  # gettext keeps no public message table
                if k and v
            }
        else:
            texts[language] = {}
    msgids = set().union(*(t.keys() for t in texts.values()))
    foreign: dict[str, set[str]] = {language: set() for language in texts}
    for msgid in msgids:
        if "%(" in msgid or not msgid.strip():
            continue
        shown = {language: texts[language].get(msgid, msgid) for language in texts}
        for language in texts:
            for other, text in shown.items():
                if other != language and text != shown[language]:
                    foreign[language].add(text)
    return foreign


def catalog_problems(root: Path | str, domain: str) -> list[str]:
    """What a package's translation catalogs lack (see ``docs/pages.md``): every message
    its code and templates use must be in az, en and ru, and the ``.mo`` files compiled.
    A plugin's test: ``assert not catalog_problems(Path(__file__).parents[1], "myplugin")``.
    """
    from urna.shell.catalogs import problems

    return problems(Path(root), domain)


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def urna_pages(
        urna_server: UrnaServer, urna_browser: Any, request: pytest.FixtureRequest
    ) -> PageChecker:
        """Pages of ``urna_server`` in ``urna_browser``, checked as :class:`PageChecker` says."""
        option = request.config.getoption("--screenshots")
        name = "".join(c if c.isalnum() else "-" for c in request.node.name)
        return PageChecker(urna_server, urna_browser, Path(option) if option else None, name)


class RecordBuilder:
    """Builds a signed scope in memory, for tests of verifier checks (no database).

    ``builder.append(type, payload)`` adds an event; ``builder.files()`` answers
    the bundle's files as ``urna record export`` would write them.
    """

    TIME = "2026-01-01T00:00:00.000000Z"

    def __init__(self, key: SigningKey, scope: str = "test") -> None:
        from urna.record.event import GENESIS_PREV, sign_event

        self.key = key
        self.scope = scope
        genesis = sign_event(
            scope=scope,
            seq=0,
            prev=GENESIS_PREV,
            time=self.TIME,
            type="core.signer_registered",
            payload={"key": key.verify_key.hex(), "role": "appliance", "name": "appliance"},
            key=key,
        )
        self.events = [genesis]

    def append(self, type: str, payload: dict[str, Any]) -> Any:
        from urna.record.event import sign_event

        event = sign_event(
            scope=self.scope,
            seq=len(self.events),
            prev=self.events[-1].hash().hex(),
            time=self.TIME,
            type=type,
            payload=payload,
            key=self.key,
        )
        self.events.append(event)
        return event

    def files(self) -> dict[str, bytes]:
        from urna.record.bundle import bundle_files

        return bundle_files(self.events, key=self.key, time=self.TIME)


def resigned_bundle(
    events: Sequence[Event], edit: Callable[[Event, dict[str, Any]], None]
) -> dict[str, bytes]:
    """The bundle of ``events`` after ``edit(event, payload)`` changed the payloads it
    wants (each a deep copy), with every event and the manifest signed again by a new
    appliance key, which the first event registers instead: a record that an appliance
    whose key was taken could write. Chain and signature checks pass on it, so a test
    sees whether a plugin's own checks catch the edit."""
    from urna.record.bundle import bundle_files
    from urna.record.event import GENESIS_PREV, sign_event

    key = SigningKey.from_seed(bytes(32))
    doctored, prev = [], GENESIS_PREV
    for event in events:
        payload = json.loads(json.dumps(event.payload))
        if event.seq == 0:
            payload["key"] = key.verify_key.hex()
        edit(event, payload)
        signed = sign_event(
            scope=event.scope,
            seq=event.seq,
            prev=prev,
            time=event.time,
            type=event.type,
            payload=payload,
            key=key,
        )
        doctored.append(signed)
        prev = signed.hash().hex()
    return bundle_files(doctored, key=key, time=events[-1].time)


def drbg(seed: str | bytes) -> RandBytes:
    """The test DRBG of ``docs/spec.md``: ``BLAKE2b-512(seed || counter_be64,
    person="urna.test-drbg")``, read in order. Deterministic randomness for tests
    and known-answer vectors; never for real keys."""
    raw = seed.encode() if isinstance(seed, str) else seed
    counter = 0
    buffer = b""

    def randbytes(n: int) -> bytes:
        nonlocal counter, buffer
        while len(buffer) < n:
            block = raw + counter.to_bytes(8, "big")
            buffer += hashlib.blake2b(block, person=b"urna.test-drbg").digest()
            counter += 1
        out, buffer = buffer[:n], buffer[n:]
        return out

    return randbytes


@attrs.frozen
class Ceremony:
    """The outcome of an honest key ceremony: what every guardian ends up holding."""

    parameters: ElectionParameters
    election: Election
    guardians: tuple[GuardianSecret, ...]
    key_shares: dict[int, KeyShare]
    sent: dict[int, tuple[EncryptedShare, ...]]
    """What each guardian made, by sender id, its share to itself included."""

    @property
    def relayed(self) -> tuple[EncryptedShare, ...]:
        """The shares the appliance relays (``core.election_share``): every pair of
        distinct guardians, in ascending (sender, recipient) order."""
        shares = (e for sent in self.sent.values() for e in sent if e.sender != e.recipient)
        return tuple(sorted(shares, key=lambda e: (e.sender, e.recipient)))

    @property
    def ceremony_hash(self) -> bytes:
        """H_C: what every guardian signs once the shares are relayed."""
        return ceremony_hash(self.election, self.relayed)

    def confirmation(self, guardian_id: int) -> bytes:
        """Guardian ``guardian_id``'s signature over H_C."""
        guardian = next(g for g in self.guardians if g.guardian_id == guardian_id)
        return confirm_ceremony(guardian, self.ceremony_hash)


def honest_ceremony(parameters: ElectionParameters, rand: RandBytes) -> Ceremony:
    """Run the whole key ceremony honestly in one process (tests, vectors, benchmarks).

    Guardians 1..n generate their keys, send every share, check every share they
    receive and combine them. ``rand`` is consumed in that order, so a seeded
    generator gives the same election every time.
    """
    n, k = parameters.guardians, parameters.quorum
    ph = parameters.parameters_hash()
    guardians = tuple(generate_guardian(i, k, ph, rand) for i in range(1, n + 1))
    keys = [guardian.public_key for guardian in guardians]
    election = make_election(parameters, keys)
    sent = {g.guardian_id: make_shares(g, keys, ph, rand) for g in guardians}
    key_shares = {}
    for recipient in guardians:
        received = {
            sender.guardian_id: receive_share(
                recipient,
                sender.public_key,
                next(e for e in sent[sender.guardian_id] if e.recipient == recipient.guardian_id),
                ph,
            )
            for sender in guardians
        }
        key_shares[recipient.guardian_id] = combine_shares(recipient, received)
    return Ceremony(parameters, election, guardians, key_shares, sent)
