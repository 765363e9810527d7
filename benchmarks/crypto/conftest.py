"""Shared state for the crypto benchmarks and the bound report printed at the end."""

from __future__ import annotations

from typing import Any

import opcount
import pytest
import workload

REPORT: list[str] = []


@pytest.fixture(scope="session")
def rates() -> dict[str, float]:
    return opcount.measure_rates()


@pytest.fixture(scope="session")
def bench_setup() -> workload.Setup:
    return workload.setup()


def record(benchmark: Any, name: str, counts: Any, rates: dict[str, float], per: int = 1) -> None:
    """Store the bound beside the measurement and queue a line for the summary."""
    bound = opcount.bound(counts, rates) / per
    benchmark.extra_info["libsodium_bound_s"] = bound
    benchmark.extra_info["ops"] = opcount.describe_counts(counts)
    stats = benchmark.stats.stats
    best, median = stats.min / per, stats.median / per
    REPORT.append(
        f"{name}: best {best * 1e3:.3f} ms (median {median * 1e3:.3f}), "
        f"libsodium bound {bound * 1e3:.3f} ms, best/bound {best / bound:.2f}x  "
        f"[{opcount.describe_counts(counts)}]"
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("urna crypto: measured vs libsodium bound")
        for line in REPORT:
            terminalreporter.write_line(line)
