"""libsodium operation rates, operation counts, and the bound they set.

The bound for a piece of work is ``sum(count(op) * time(op))`` over the
libsodium calls it makes: what it would cost if Python added nothing. Counts
are taken by wrapping the ``nacl.bindings`` functions while the work runs
once; times are measured here, in the same process and run, with the same
inputs shapes as Urna uses.
"""

from __future__ import annotations

import contextlib
import os
import timeit
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import nacl.bindings as sodium

COUNTED = [
    "crypto_scalarmult_ed25519_noclamp",
    "crypto_scalarmult_ed25519_base_noclamp",
    "crypto_core_ed25519_add",
    "crypto_core_ed25519_sub",
    "crypto_core_ed25519_is_valid_point",
    "crypto_core_ed25519_scalar_add",
    "crypto_core_ed25519_scalar_sub",
    "crypto_core_ed25519_scalar_mul",
    "crypto_core_ed25519_scalar_negate",
    "crypto_core_ed25519_scalar_reduce",
    "crypto_core_ed25519_scalar_invert",
    "crypto_sign_open",
    "crypto_sign",
]

SHORT = {
    "crypto_scalarmult_ed25519_noclamp": "scalarmult",
    "crypto_scalarmult_ed25519_base_noclamp": "base-scalarmult",
    "crypto_core_ed25519_add": "add",
    "crypto_core_ed25519_sub": "sub",
    "crypto_core_ed25519_is_valid_point": "is_valid_point",
    "crypto_sign_open": "ed25519-verify",
    "crypto_sign": "ed25519-sign",
}


@contextlib.contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count every call to the libsodium functions in :data:`COUNTED` inside the block."""
    counts: Counter[str] = Counter()
    originals = {name: getattr(sodium, name) for name in COUNTED}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return fn(*args, **kwargs)

        return counted

    for name, fn in originals.items():
        setattr(sodium, name, wrap(name, fn))
    try:
        yield counts
    finally:
        for name, fn in originals.items():
            setattr(sodium, name, fn)


def count_ops(work: Callable[[], object]) -> Counter[str]:
    with counting() as counts:
        work()
    return Counter(dict(counts))


def measure_rates(number: int = 400, repeat: int = 7) -> dict[str, float]:
    """Seconds per call of each counted libsodium function: the best of ``repeat`` runs.

    The best run is the estimate least disturbed by other load on the machine;
    measurements of Urna's own code are compared by their best run too.
    """
    s = sodium.crypto_core_ed25519_scalar_reduce(os.urandom(64))
    t = sodium.crypto_core_ed25519_scalar_reduce(os.urandom(64))
    p = sodium.crypto_scalarmult_ed25519_base_noclamp(s)
    q = sodium.crypto_scalarmult_ed25519_base_noclamp(t)
    seed = os.urandom(32)
    pk, sk = sodium.crypto_sign_seed_keypair(seed)
    signed = sodium.crypto_sign(b"m" * 32, sk)
    wide = os.urandom(64)
    calls: dict[str, Callable[[], object]] = {
        "crypto_scalarmult_ed25519_noclamp": lambda: sodium.crypto_scalarmult_ed25519_noclamp(s, p),
        "crypto_scalarmult_ed25519_base_noclamp": lambda: (
            sodium.crypto_scalarmult_ed25519_base_noclamp(s)
        ),
        "crypto_core_ed25519_add": lambda: sodium.crypto_core_ed25519_add(p, q),
        "crypto_core_ed25519_sub": lambda: sodium.crypto_core_ed25519_sub(p, q),
        "crypto_core_ed25519_is_valid_point": lambda: sodium.crypto_core_ed25519_is_valid_point(p),
        "crypto_core_ed25519_scalar_add": lambda: sodium.crypto_core_ed25519_scalar_add(s, t),
        "crypto_core_ed25519_scalar_sub": lambda: sodium.crypto_core_ed25519_scalar_sub(s, t),
        "crypto_core_ed25519_scalar_mul": lambda: sodium.crypto_core_ed25519_scalar_mul(s, t),
        "crypto_core_ed25519_scalar_negate": lambda: sodium.crypto_core_ed25519_scalar_negate(s),
        "crypto_core_ed25519_scalar_reduce": lambda: sodium.crypto_core_ed25519_scalar_reduce(wide),
        "crypto_core_ed25519_scalar_invert": lambda: sodium.crypto_core_ed25519_scalar_invert(s),
        "crypto_sign_open": lambda: sodium.crypto_sign_open(signed, pk),
        "crypto_sign": lambda: sodium.crypto_sign(b"m" * 32, sk),
    }
    out = {}
    for name, fn in calls.items():
        n = number if "scalar_" not in name else number * 4
        runs = timeit.repeat(fn, number=n, repeat=repeat)
        out[name] = min(runs) / n
    return out


def bound(counts: Counter[str], rates: dict[str, float]) -> float:
    """Seconds the counted libsodium calls take at the measured rates."""
    return sum(n * rates[name] for name, n in counts.items())


RESULTS: list[tuple[str, Counter[str], float, float]] = []
"""(name, counts, best s, median s) per benchmark, reported by ``conftest.py`` at the end."""

BEST_RATES: dict[str, float] = {}
"""The best time per call seen in the session, refreshed after every benchmark."""


def refresh_rates() -> dict[str, float]:
    """Measure the primitives again and keep the best time seen for each."""
    for name, t in measure_rates(number=200, repeat=3).items():
        BEST_RATES[name] = min(BEST_RATES.get(name, t), t)
    return BEST_RATES


def record(benchmark: Any, name: str, counts: Counter[str], per: int = 1) -> None:
    """Queue a benchmark's result; its bound is computed at the end with the best rates."""
    refresh_rates()
    stats = benchmark.stats.stats
    RESULTS.append((name, counts, stats.min / per, stats.median / per))
    benchmark.extra_info["ops"] = describe_counts(counts)


def report_lines() -> list[str]:
    if not BEST_RATES:
        return []
    lines = ["libsodium, best rates seen in this run: " + describe_rates(BEST_RATES)]
    for name, counts, best, median in RESULTS:
        b = bound(counts, BEST_RATES)
        lines.append(
            f"{name}: best {best * 1e3:.3f} ms (median {median * 1e3:.3f}), "
            f"libsodium bound {b * 1e3:.3f} ms, best/bound {best / b:.2f}x  "
            f"[{describe_counts(counts)}]"
        )
    return lines


def describe_counts(counts: Counter[str]) -> str:
    return ", ".join(
        f"{SHORT.get(name, name.replace('crypto_core_ed25519_', ''))}={n}"
        for name, n in sorted(counts.items(), key=lambda kv: -kv[1])
    )


def describe_rates(rates: dict[str, float]) -> str:
    main = [
        "crypto_scalarmult_ed25519_noclamp",
        "crypto_scalarmult_ed25519_base_noclamp",
        "crypto_core_ed25519_add",
        "crypto_core_ed25519_is_valid_point",
        "crypto_sign_open",
    ]
    return ", ".join(f"{SHORT[name]} {1 / rates[name]:,.0f}/s" for name in main)
