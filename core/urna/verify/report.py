"""The verifier's report: every check's outcome and every failure, as text or JSON."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from urna.verify.check import Failure

Status = Literal["passed", "failed", "not run", "not applicable"]
GOOD: frozenset[Status] = frozenset({"passed", "not applicable"})


@attrs.frozen(slots=True)
class CheckResult:
    id: str
    title: str
    status: Status
    failures: tuple[Failure, ...] = ()
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"id": self.id, "title": self.title, "status": self.status}
        if self.failures:
            result["failures"] = [failure.to_json() for failure in self.failures]
        if self.reason:
            result["reason"] = self.reason
        return result


@attrs.frozen(slots=True)
class Report:
    bundle: str
    scope: str
    events: int
    signer: str
    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(result.status in GOOD for result in self.results)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if result.status not in GOOD)

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle,
            "scope": self.scope,
            "events": self.events,
            "signer": self.signer,
            "ok": self.ok,
            "checks": [result.to_json() for result in self.results],
        }

    def summary_lines(self, *, max_failures_per_check: int = 3) -> list[str]:
        """A readable summary. A verified record lists every check; one that failed lists
        only the failed checks, each with its first failures (one flipped byte fails
        several checks many times over: ``to_json`` keeps every failure), and counts
        the rest. Checks with nothing to check are counted apart, never as "ok"."""
        lines = [
            f"bundle  {self.bundle}",
            f"scope   {self.scope or '?'}   events {self.events}   signer {self.signer or '?'}",
            "",
        ]
        marks = {"passed": "ok  ", "failed": "FAIL", "not run": "skip"}
        shown = [r for r in self.results if r.status != "not applicable"]
        if not self.ok:
            shown = [r for r in shown if r.status == "failed"]
        for result in shown:
            lines.append(f"{marks[result.status]}  {result.id:<32} {result.title}")
            if result.reason:
                lines.append(f"      {result.reason}")
            for failure in result.failures[:max_failures_per_check]:
                lines.append(f"      at {failure.where}: {failure.message}")
            hidden = len(result.failures) - max_failures_per_check
            if hidden > 0:
                lines.append(f"      ... and {hidden} more (see --json)")
        passed = sum(result.status == "passed" for result in self.results)
        counted = {
            "passed": passed if not self.ok else 0,
            "not run": sum(r.status == "not run" for r in self.results) if not self.ok else 0,
            "not applicable": sum(r.status == "not applicable" for r in self.results),
        }
        for status, count in counted.items():
            if count:
                lines.append(f"      {count} more checks {status} (see --json)")
        applicable = len(self.results) - counted["not applicable"]
        lines.append("")
        lines.append(
            f"{'VERIFIED' if self.ok else 'NOT VERIFIED'}: {passed} of {applicable} "
            "applicable checks passed"
        )
        return lines
