"""``urna verify``: the observer's command, with every installed plugin's checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from urna.plugins import ALL_INSTALLED, PluginError, make_plugin_manager
from urna.record.checkpoint import Checkpoint
from urna.record.errors import RecordError
from urna.shell import selftest
from urna.shell.registry import build_registry
from urna.verify import Report, core_checks, verify_path
from urna.verify.record_checks import pinned_checks

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
        registry = build_registry(make_plugin_manager([ALL_INSTALLED]))
    except (PluginError, selftest.SelfTestError) as exc:
        click.echo(f"urna: error: {exc}", err=True)
        return EXIT_UNREADABLE
    checks = [
        *core_checks(registry.event_types.values()),
        *pinned_checks(checkpoint, trusted_key),
        *registry.checks,
    ]

    def progress(check: str, done: int, total: int) -> None:
        if quiet or total < 64 or not sys.stderr.isatty():
            return
        click.echo(f"\r{check}: {done}/{total}", nl=done == total, err=True)

    try:
        report = verify_path(bundle, checks=checks, jobs=jobs, progress=progress)
    except RecordError as exc:
        click.echo(f"urna: error: {exc}", err=True)
        return EXIT_UNREADABLE
    if json_path is not None:
        json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if not quiet:
        _print(report, pinned=trusted_key is not None)
    return EXIT_VERIFIED if report.ok else EXIT_FAILED


def _print(report: Report, *, pinned: bool) -> None:
    for line in report.summary_lines():
        click.echo(line)
    if not pinned and report.signer:
        click.echo(
            f"note: the appliance key was not pinned, so any key's record would pass the "
            f"signature checks. Pin it: urna verify ... --key {report.signer} (compare it "
            "with the fingerprint the commission published, out of band)"
        )
