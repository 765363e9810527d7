"""Urna's crypto core under pytest-benchmark: one contest, 4 candidates, vote for 1.

Run: ``pytest benchmarks/crypto -p no:urna --benchmark-only``  (add ``-s`` to see progress).
What is measured, each beside the bound set by libsodium's own operation
rates measured in the same run (see ``opcount.py``):

- encrypt, prove and sign one ballot;
- verify one decoded ballot (signature, 4 selection proofs, 1 contest proof);
- decode (validating every point) and verify one ballot, as the ballot box does;
- tally 10,000 ballots and decrypt with 3 of 5 guardians (partials with
  proofs, their verification, Lagrange combination, bounded dlog);
- the libsodium primitives themselves.

No timing is asserted: these are measurements, not tests.
"""

from __future__ import annotations

from typing import Any

import nacl.bindings as sodium
import opcount
import pytest
import workload

BALLOTS = 10_000


def test_encrypt_and_prove_one_ballot(
    benchmark: Any, bench_setup: workload.Setup, rates: dict[str, float]
) -> None:
    rand = workload.drbg("encrypt")
    counts = opcount.count_ops(lambda: workload.encrypt_one(bench_setup, rand))
    benchmark(workload.encrypt_one, bench_setup, rand)
    opcount.record(benchmark, "encrypt+prove+sign one ballot", counts)


def test_verify_one_ballot(
    benchmark: Any, bench_setup: workload.Setup, rates: dict[str, float]
) -> None:
    signed = workload.encrypt_one(bench_setup, workload.drbg("verify"))
    counts = opcount.count_ops(lambda: workload.verify_one(bench_setup, signed))
    benchmark(workload.verify_one, bench_setup, signed)
    opcount.record(benchmark, "verify one decoded ballot", counts)


def test_decode_and_verify_one_ballot(
    benchmark: Any, bench_setup: workload.Setup, rates: dict[str, float]
) -> None:
    data = workload.as_json(workload.encrypt_one(bench_setup, workload.drbg("decode")))
    counts = opcount.count_ops(lambda: workload.decode_and_verify_one(bench_setup, data))
    benchmark(workload.decode_and_verify_one, bench_setup, data)
    opcount.record(benchmark, "decode+verify one ballot (JSON)", counts)


def test_tally_and_decrypt_10000_ballots_3_of_5(
    benchmark: Any, bench_setup: workload.Setup, rates: dict[str, float]
) -> None:
    ballots = workload.quick_ballots(bench_setup, BALLOTS)
    counts = opcount.count_ops(lambda: workload.tally_and_decrypt(bench_setup, ballots))
    result = benchmark.pedantic(
        workload.tally_and_decrypt, args=(bench_setup, ballots), rounds=3, iterations=1
    )
    assert sum(n for _, _, n in result.counts) == BALLOTS - BALLOTS // 10
    opcount.record(benchmark, f"tally+decrypt {BALLOTS:,} ballots, 3 of 5", counts)


PRIMITIVES = {
    "scalarmult": "crypto_scalarmult_ed25519_noclamp",
    "base-scalarmult": "crypto_scalarmult_ed25519_base_noclamp",
    "add": "crypto_core_ed25519_add",
    "is_valid_point": "crypto_core_ed25519_is_valid_point",
}


@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_libsodium_primitive(benchmark: Any, name: str, rates: dict[str, float]) -> None:
    s = sodium.crypto_core_ed25519_scalar_reduce(bytes(range(64)))
    p = sodium.crypto_scalarmult_ed25519_base_noclamp(s)
    q = sodium.crypto_scalarmult_ed25519_base_noclamp(sodium.crypto_core_ed25519_scalar_add(s, s))
    calls = {
        "scalarmult": lambda: sodium.crypto_scalarmult_ed25519_noclamp(s, p),
        "base-scalarmult": lambda: sodium.crypto_scalarmult_ed25519_base_noclamp(s),
        "add": lambda: sodium.crypto_core_ed25519_add(p, q),
        "is_valid_point": lambda: sodium.crypto_core_ed25519_is_valid_point(p),
    }
    benchmark(calls[name])
