"""The observer's ``urna verify``: plugins' pure checks only, and progress on a terminal.

Each test runs the real command in a subprocess, on a real signed bundle that
holds an installed plugin's events (the example plugin's notices).
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time

import pytest
from urna.plugins import (
    PluginError,
    installed_plugins,
    installed_verifiers,
    make_plugin_manager,
)
from urna.record.bundle import write_bundle
from urna.shell.registry import build_registry
from urna.testing import KeyFactory, RecordBuilder

WEB_AND_DATABASE = {"sanic", "sanic_routing", "tortoise", "asyncpg", "aiosqlite", "pyudev"}


@pytest.fixture(scope="module")
def notices_bundle(tmp_path_factory):
    builder = RecordBuilder(KeyFactory()("appliance"), scope="notices")
    for number in range(1, 4):
        builder.append(
            "example.notice_posted", {"number": number, "text": f"notice {number}", "author": "a"}
        )
    directory = tmp_path_factory.mktemp("verify") / "notices"
    write_bundle(directory, builder.files())
    return directory


def test_verify_imports_no_web_server_or_database(notices_bundle, tmp_path):
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "urna",
            "verify",
            notices_bundle,
            "--json",
            report,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "urna_example" in imported  # the plugin's pure module was loaded...
    assert imported & WEB_AND_DATABASE == set()  # ...and nothing of a server
    checks = {check["id"]: check["status"] for check in json.loads(report.read_text())["checks"]}
    assert checks["example.notices-numbered"] == "passed"
    assert checks["record.payloads"] == "passed"  # the plugin's event type was known


def test_each_plugins_verify_entry_point_gives_what_its_hooks_register():
    """One list of checks and event types per plugin: the appliance's hooks and the
    observer's ``urna.verify`` entry point must not drift apart."""
    registry = build_registry(make_plugin_manager(["*"]))
    verifiers = installed_verifiers()
    assert set(verifiers) == set(installed_plugins())
    for name, verifier in verifiers.items():
        assert [c.id for c in registry.checks if c.id.startswith(f"{name}.")] == [
            c.id for c in verifier.checks
        ]
        for event_type in verifier.event_types:
            assert registry.event_types[event_type.name] is event_type


def test_a_verify_entry_point_must_be_a_namespaced_verifier_plugin(monkeypatch):
    from importlib.metadata import EntryPoint

    def entry_points(group):
        return [EntryPoint("other", "urna_example.verifier:VERIFIER", group)]

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    with pytest.raises(PluginError, match=r"'example\.notice_posted' must start with 'other\.'"):
        installed_verifiers()

    def not_a_plugin(group):
        return [EntryPoint("example", "urna_example.record:SCOPE", group)]

    monkeypatch.setattr("importlib.metadata.entry_points", not_a_plugin)
    with pytest.raises(PluginError, match=r"is a str, expected a VerifierPlugin"):
        installed_verifiers()


def _stderr_on_a_terminal(*args: str) -> tuple[int, bytes]:
    """Run ``urna ARGS`` with stderr on a pseudo-terminal; its exit code and what it wrote."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "urna", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    written = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal's last writer closed it
            break
        if not chunk:
            break
        written += chunk
    os.close(controller)
    return process.wait(timeout=10), written


def test_verify_shows_progress_on_a_terminal_and_clears_it(notices_bundle):
    code, written = _stderr_on_a_terminal("verify", str(notices_bundle))
    assert code == 0
    lines = [line for line in written.split(b"\r") if line.strip()]
    assert b"\x1b[Kverifying [1/" in lines[0]
    assert any(b"] record.signatures" in line for line in lines)
    assert any(b"] example.notices-numbered" in line for line in lines)
    assert written.endswith(b"\r\x1b[K")  # erased before the report is printed


def test_verify_shows_no_progress_when_stderr_is_not_a_terminal(notices_bundle):
    result = subprocess.run(
        [sys.executable, "-m", "urna", "verify", str(notices_bundle)],
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert result.stderr == b""


def test_verify_quiet_shows_no_progress_even_on_a_terminal(notices_bundle):
    assert _stderr_on_a_terminal("verify", str(notices_bundle), "--quiet") == (0, b"")


def test_a_plugin_without_a_verify_entry_point_is_named(notices_bundle, monkeypatch, capsys):
    from urna.shell import verify_command

    monkeypatch.setattr(
        verify_command, "installed_plugins", lambda: {**installed_plugins(), "legacy": None}
    )
    assert verify_command.run_verify(notices_bundle, None, 1, None, None, quiet=False) == 0
    assert "plugin(s) legacy declare no 'urna.verify' entry point" in capsys.readouterr().err
