"""``urna verify``: the observer's command, with every installed plugin's checks.

Plugins' checks and event types come from their pure ``urna.verify`` entry points
(:func:`urna.plugins.installed_verifiers`), never from their hook modules: verifying
imports no web server, database layer or device code (``docs/verifier.md``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import click

from urna.plugins import (
    VERIFY_ENTRY_POINT_GROUP,
    PluginError,
    installed_plugins,
    installed_verifiers,
)
from urna.record.checkpoint import Checkpoint
from urna.record.errors import RecordError
from urna.shell import selftest
from urna.verify import Report, VerifierCheck, VerifierPlugin, core_checks, verify_path
from urna.verify.record_checks import pinned_checks
from urna.verify.runner import Progress

EXIT_VERIFIED, EXIT_FAILED, EXIT_UNREADABLE = 0, 1, 2


def run_verify(
    bundle: Path,
    json_path: Path | None,
    jobs: int,
    checkpoint: Checkpoint | None,
    trusted_key: str | None,
    quiet: bool,
) -> int:
    """Verify ``bundle`` with the core's and every installed plugin's checks.

    An observer's machine has no appliance settings: every installed plugin's
    checks run, so a record is never passed for want of a check.
    """
    try:
        selftest.check_libraries()
        verifiers = installed_verifiers()
    except (PluginError, selftest.SelfTestError) as exc:
        click.echo(f"urna: error: {exc}", err=True)
        return EXIT_UNREADABLE
    without = sorted(set(installed_plugins()) - set(verifiers))
    if without and not quiet:
        click.echo(
            f"note: plugin(s) {', '.join(without)} declare no '{VERIFY_ENTRY_POINT_GROUP}' "
            "entry point: their checks do not run and their events are of unknown types",
            err=True,
        )
    checks = observer_checks(verifiers, checkpoint, trusted_key)
    progress = _TerminalProgress(sys.stderr, len(checks) + 1)
    try:
        shown: Progress = progress if not quiet and sys.stderr.isatty() else _silent
        report = verify_path(bundle, checks=checks, jobs=jobs, progress=shown)
    except RecordError as exc:
        progress.clear()
        click.echo(f"urna: error: {exc}", err=True)
        return EXIT_UNREADABLE
    progress.clear()
    if json_path is not None:
        json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if not quiet:
        _print(report, pinned=trusted_key is not None)
    return EXIT_VERIFIED if report.ok else EXIT_FAILED


def observer_checks(
    verifiers: Mapping[str, VerifierPlugin],
    checkpoint: Checkpoint | None,
    trusted_key: str | None,
) -> list[VerifierCheck]:
    """What an observer's ``urna verify`` runs: the core's checks over the plugins' event
    types, the pins given (a checkpoint, a trusted key), and every plugin's checks."""
    return [
        *core_checks(t for verifier in verifiers.values() for t in verifier.event_types),
        *pinned_checks(checkpoint, trusted_key),
        *(check for verifier in verifiers.values() for check in verifier.checks),
    ]


def _silent(check: str, done: int, total: int) -> None:
    """No progress: not a terminal, or ``--quiet``."""


class _TerminalProgress:
    """One line on a terminal, rewritten in place: which step of how many, and how far."""

    def __init__(self, stream: TextIO, steps: int) -> None:
        self._stream = stream
        self._steps = steps
        self._step = 0
        self._check = ""

    def __call__(self, check: str, done: int, total: int) -> None:
        if check != self._check:
            self._check, self._step = check, min(self._step + 1, self._steps)
        items = f" {done}/{total}" if total else ""
        self._stream.write(f"\r\x1b[Kverifying [{self._step}/{self._steps}] {check}{items}")
        self._stream.flush()

    def clear(self) -> None:
        """Erase the line, if one was shown, before the report is printed."""
        if self._step:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._step = 0


def _print(report: Report, *, pinned: bool) -> None:
    for line in report.summary_lines():
        click.echo(line)
    if not pinned and report.signer:
        click.echo(
            f"note: the appliance key was not pinned, so any key's record would pass the "
            f"signature checks. Pin it: urna verify ... --key {report.signer} (compare it "
            "with the fingerprint the commission published, out of band)"
        )
