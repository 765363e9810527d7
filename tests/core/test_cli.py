"""The command line: the contracts scripts and observers rely on."""

import contextlib
import json
import socket
import sqlite3
import stat
import subprocess
import sys

import pytest
from urna.record.bundle import canonical_tar, write_bundle
from urna.record.manifest import EVENTS_NAME


def urna(*args, cwd=None, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "urna", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=600,
    )


@pytest.fixture
def bundle_dir(tmp_path, small_record):
    directory = tmp_path / "bundle"
    write_bundle(directory, small_record.files())
    return directory


def test_verify_exits_0_and_writes_a_json_report(bundle_dir, tmp_path):
    result = urna("verify", bundle_dir, "--json", tmp_path / "report.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VERIFIED" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ok"] is True and report["scope"] == "tamper"
    assert {check["id"] for check in report["checks"]} >= {"record.chain", "record.signatures"}


def test_verify_exits_1_naming_each_failed_check_and_place(bundle_dir, tmp_path):
    events = bundle_dir / EVENTS_NAME
    lines = events.read_bytes().splitlines(keepends=True)
    events.write_bytes(b"".join(lines[:2] + lines[3:]))
    result = urna("verify", bundle_dir, "--json", tmp_path / "report.json")
    assert result.returncode == 1
    assert "NOT VERIFIED" in result.stdout
    assert "FAIL  record.chain" in result.stdout
    assert "at tamper#3" in result.stdout
    failed = [
        c
        for c in json.loads((tmp_path / "report.json").read_text())["checks"]
        if c["status"] == "failed"
    ]
    assert {c["id"] for c in failed} == {"record.chain", "record.manifest"}


def test_verify_reads_the_canonical_tar(small_record, tmp_path):
    path = tmp_path / "bundle.tar"
    path.write_bytes(canonical_tar(small_record.files()))
    assert urna("verify", path, "--jobs", 2).returncode == 0


@pytest.mark.parametrize(
    "args", [["verify", "/nonexistent/bundle"], ["verify"], ["verify", "x", "--jobs", "0"]]
)
def test_verify_exits_2_on_usage_or_unreadable_input(args):
    result = urna(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_init_creates_a_private_key_and_refuses_to_replace_it(tmp_path):
    data = tmp_path / "data"
    first = urna("--data-dir", data, "init")
    assert first.returncode == 0, first.stderr
    assert "fingerprint: " in first.stdout
    key = data / "keys" / "appliance.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (data / "urna.toml").exists()
    again = urna("--data-dir", data, "init")
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0, "errors are one line"
    assert "refusing to replace the appliance key" in again.stderr
    assert urna("--data-dir", data, "init", "--if-missing").returncode == 0


def test_a_key_readable_by_others_is_refused(tmp_path):
    data = tmp_path / "data"
    urna("--data-dir", data, "init")
    (data / "keys" / "appliance.key").chmod(0o644)
    result = urna("--data-dir", data, "record", "export", "appliance", tmp_path / "out")
    assert result.returncode == 1
    assert "chmod 600" in result.stderr and "Traceback" not in result.stderr


def test_bad_settings_are_one_clear_line(tmp_path):
    (tmp_path / "urna.toml").write_text("[server]\nport = 99999\n")
    result = urna("--config", tmp_path / "urna.toml", "plugins")
    assert result.returncode == 1
    assert result.stderr.strip() == "urna: error: setting port must be 1..65535, got 99999"


def test_users_add_takes_the_password_from_stdin_only(tmp_path):
    data = tmp_path / "data"
    urna("--data-dir", data, "init")
    urna("--data-dir", data, "db", "migrate")
    ok = urna(
        "--data-dir",
        data,
        "users",
        "add",
        "clerk",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert ok.returncode == 0, ok.stderr
    unknown = urna(
        "--data-dir",
        data,
        "users",
        "add",
        "x",
        "--role",
        "emperor",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert unknown.returncode == 1 and "unknown roles: emperor" in unknown.stderr


def test_demo_leaves_verified_bundles_and_exits_0(tmp_path):
    data = tmp_path / "demo"
    data.mkdir()
    (data / "urna.toml").write_text('[plugins]\nallow = ["example"]\nrequire = ["example"]\n')
    result = urna("demo", "--data-dir", data, "--no-serve")
    assert result.returncode == 0, result.stdout + result.stderr
    for scope in ("appliance", "notices"):
        assert (data / "records" / scope / "manifest.json").exists()
        assert (data / "records" / f"{scope}.tar").exists()
        assert urna("verify", data / "records" / f"{scope}.tar").returncode == 0
    assert (data / "reports").is_dir()
    assert result.stdout.count("VERIFIED: ") == 2
    exported = urna("--data-dir", data, "record", "export", "notices", tmp_path / "again")
    assert exported.returncode == 0, exported.stderr
    board = tmp_path / "board.txt"
    rendered = urna(
        "--data-dir",
        data,
        "report",
        "example.board",
        "notices",
        "--format",
        "txt",
        "--output",
        board,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert board.read_text().splitlines()[0] == "1\tdemo\tSitting opens at 10:00."
    wrong = urna("--data-dir", data, "report", "example.nope", "notices", "--output", board)
    assert wrong.returncode == 2 and "enabled reports: example.board" in wrong.stderr
    elsewhere = urna(
        "--data-dir", data, "report", "example.board", "appliance", "--format", "txt",
        "--output", board, "--language", "ru",
    )  # fmt: skip
    one_line_error(elsewhere, "the board report is for scope")


def one_line_error(result, *words):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request):
    """A database URL with nothing in it: ``""`` for SQLite, else a new PostgreSQL database."""
    if request.param == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("urna_postgres_server")
    if isinstance(server, str):
        pytest.fail(f"PostgreSQL is needed: {server}")
    url = server.create_database()
    yield url
    server.drop_database(url)


def test_database_commands_right_after_init_migrate_and_say_so_in_one_line(
    tmp_path, empty_database, monkeypatch
):
    monkeypatch.setenv("URNA_DATABASE_URL", empty_database)
    data = tmp_path / "data"
    assert urna("--data-dir", data, "init").returncode == 0
    added = urna(
        "--data-dir", data, "users", "add", "x", "--password-stdin", stdin="long enough pw\n"
    )
    assert added.returncode == 0, added.stderr
    assert "Traceback" not in added.stderr and added.stderr.strip().count("\n") == 0
    assert "urna: applied" in added.stderr and "urna.0001_initial" in added.stderr
    assert "created user x" in added.stdout
    again = urna(
        "--data-dir", data, "users", "add", "y", "--password-stdin", stdin="long enough pw\n"
    )
    assert again.returncode == 0 and again.stderr == "", "nothing left to apply, nothing said"
    migrated = urna("--data-dir", data, "db", "migrate")
    assert migrated.stdout == "database is up to date\n"


def test_help_lists_the_enabled_plugins_groups_or_says_why_none(tmp_path):
    data = tmp_path / "data"
    urna("--data-dir", data, "init")
    listed = urna("--data-dir", data, "--help")
    assert listed.returncode == 0
    assert "example" in listed.stdout.split("Commands:")[1]
    assert "Commands of the example plugin." in listed.stdout
    bare = urna("--data-dir", tmp_path / "nothing-here", "--help")
    assert bare.returncode == 0
    assert "No plugin is enabled here" in bare.stdout and "example" in bare.stdout
    assert not (tmp_path / "nothing-here").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["db", "migrate"],
        ["users", "add", "x", "--password-stdin"],
        ["record", "export", "appliance", "out"],
        ["serve", "--no-migrate"],
    ],
)
def test_a_mistyped_data_dir_is_refused_and_not_created(tmp_path, args):
    typo = tmp_path / "urna-dtaa"
    result = urna("--data-dir", typo, *args, cwd=tmp_path, stdin="long enough pw\n")
    one_line_error(result, str(typo), "not an initialised data directory", "urna --data-dir")
    assert result.returncode == 1
    assert not typo.exists()


def test_serve_on_a_busy_port_is_one_line_before_listening(tmp_path):
    data = tmp_path / "data"
    urna("--data-dir", data, "init")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        served = urna("--data-dir", data, "serve", "--port", port)
        demo = urna("demo", "--data-dir", tmp_path / "demo", "--port", port)
    one_line_error(served, f"cannot listen on 127.0.0.1:{port}", "--port")
    assert "listening" not in served.stdout
    one_line_error(demo, f"cannot listen on 127.0.0.1:{port}")
    assert not (tmp_path / "demo").exists(), "refused before anything is written"


def test_users_add_without_a_terminal_is_a_usage_error_without_a_warning(tmp_path):
    data = tmp_path / "data"
    urna("--data-dir", data, "init")
    urna("--data-dir", data, "db", "migrate")
    result = urna("--data-dir", data, "users", "add", "clerk", stdin="")
    assert result.returncode == 2
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
    assert "Error: no terminal to ask the password on: pipe it to --password-stdin" in result.stderr


def ledger_rows(data):
    with contextlib.closing(sqlite3.connect(data / "urna.sqlite3")) as connection:
        return connection.execute("SELECT count(*) FROM urna_ledger_event").fetchone()[0]


def test_demo_twice_on_one_data_dir_is_refused_with_nothing_written(tmp_path):
    data = tmp_path / "demo"
    data.mkdir()
    (data / "urna.toml").write_text('[plugins]\nallow = ["example"]\nrequire = ["example"]\n')
    first = urna("demo", "--data-dir", data, "--no-serve")
    assert first.returncode == 0, first.stderr
    rows = ledger_rows(data)
    again = urna("demo", "--data-dir", data, "--no-serve")
    one_line_error(again, "already holds a record", "serve")
    assert again.returncode == 1
    assert ledger_rows(data) == rows


def test_demo_creates_one_user_per_role_with_a_random_password_shown_once(tmp_path):
    data = tmp_path / "demo"
    data.mkdir()
    (data / "urna.toml").write_text('[plugins]\nallow = ["example"]\nrequire = ["example"]\n')
    result = urna("demo", "--data-dir", data, "--no-serve")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("users (each password is shown this once")[1].splitlines()[1:]
    users = {line.split()[0]: line.split()[1] for line in listed if line.startswith("  ")}
    assert "admin" in users and "example-reader" in users
    assert "editor" in users, "a demo names the user its data expects for a role"
    assert len(set(users.values())) == len(users), "every password is its own"
    assert all(len(password) >= 16 for password in users.values())
    for password in users.values():
        assert all(password not in f.read_text(errors="replace") for f in text_files(data))


def text_files(directory):
    return [p for p in directory.rglob("*") if p.is_file() and p.suffix != ".sqlite3"]


@pytest.mark.parametrize(
    "content",
    [b"", b"\x8f\x02 random bytes" * 300, "truncated"],
    ids=["empty", "random", "truncated"],
)
def test_verify_exits_2_on_a_file_that_is_no_whole_tar(small_record, tmp_path, content):
    tar = canonical_tar(small_record.files())
    path = tmp_path / "bundle.tar"
    path.write_bytes(tar[: len(tar) // 2] if content == "truncated" else content)
    one_line_error(urna("verify", path), "not a whole tar file")
    assert urna("verify", path).returncode == 2


def test_verify_key_must_be_hex(bundle_dir):
    result = urna("verify", bundle_dir, "--key", "nothex")
    assert result.returncode == 2
    assert "64 hex digits" in result.stderr and "Traceback" not in result.stderr


def test_one_flipped_byte_gives_a_short_report_and_the_json_keeps_everything(
    small_record, tmp_path
):
    data = bytearray(canonical_tar(small_record.files()))
    data[data.index(b'"seq":1') + 6] ^= 0x01
    path = tmp_path / "flipped.tar"
    path.write_bytes(bytes(data))
    result = urna("verify", path, "--json", tmp_path / "report.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(result.stdout.splitlines()) <= 25, result.stdout
    assert "ok    " not in result.stdout, "a failed report lists only what failed"
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["checks"]) >= 40, "the JSON report lists every check"
    shown = sum(line.startswith("      at ") for line in result.stdout.splitlines())
    assert sum(len(c.get("failures", [])) for c in report["checks"]) >= shown > 0


def test_checks_with_nothing_to_check_are_not_applicable_not_ok(bundle_dir, tmp_path):
    result = urna("verify", bundle_dir, "--json", tmp_path / "report.json")
    assert result.returncode == 0
    report = json.loads((tmp_path / "report.json").read_text())
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses["record.chain"] == "passed"
    assert statuses["election.result"] == "not applicable"
    assert "election.result" not in result.stdout
    assert "checks not applicable" in result.stdout


def test_verify_says_when_the_appliance_key_was_not_pinned(bundle_dir):
    unpinned = urna("verify", bundle_dir)
    assert "the appliance key was not pinned" in unpinned.stdout
    signer = json.loads((bundle_dir / "manifest.json").read_text())["signer"]
    assert f"--key {signer}" in unpinned.stdout
    pinned = urna("verify", bundle_dir, "--key", signer)
    assert pinned.returncode == 0, pinned.stdout
    assert "not pinned" not in pinned.stdout


def test_the_readme_demo_serves_every_plugin_it_ran(tmp_path):
    """The README's main command on a new data directory: the served appliance has the
    plugins the demo enabled (the settings file the demo writes), their pages and users."""
    import httpx
    from urna.testing import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "urna",
            "demo",
            "--data-dir",
            str(tmp_path / "d"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = []
        assert process.stdout is not None
        for line in process.stdout:  # bounded: the demo prints a few hundred lines, then serves
            seen.append(line)
            if line.startswith("Urna is listening"):
                break
        assert any(f"start here: http://127.0.0.1:{port}/" in line for line in seen), seen[-20:]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            landing = client.get("/", headers={"Accept": "text/html"})
            for plugin in ("elections", "example", "parliament"):
                assert f"<li>{plugin} 0.1.0</li>" in landing.text
            assert (
                client.get("/p/parliament/hall", headers={"Accept": "text/html"}).status_code == 200
            )
            assert client.get("/p/elections/portal").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=60)
