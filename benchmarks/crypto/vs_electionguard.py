"""Side by side: ElectionGuard 1.4.0 and Urna on the same ballot shape, in the same run.

Usage (from the repository root, with Urna's venv):

    /work/venv/bin/python benchmarks/crypto/vs_electionguard.py [--rounds N] [--eg-venv DIR]

It creates (once) a Python 3.10 virtual environment with ``electionguard==1.4.0``
(``python3.10 -m venv DIR && DIR/bin/pip install electionguard==1.4.0``;
default DIR ``~/.cache/urna/electionguard-1.4.0``), runs ElectionGuard's
encrypt and verify on one contest of 4 candidates, vote for 1
(``eg_worker.py``), then Urna's on the same shape, measures libsodium's
primitive rates and counts Urna's operations, and prints as its last line

    urna-vs-electionguard encrypt=<EG/Urna>x verify=<EG/Urna>x bound=<verify/bound>x

(bound: Urna's measured verify time over the libsodium operation-count bound)

All figures are best-of-N (the estimate least disturbed by other load). Urna's
"encrypt" is encrypt + prove + sign; "verify" is signature + every proof of a
decoded ballot; ElectionGuard's are ``encrypt_ballot`` (proofs, no self-check)
and ``CiphertextBallot.is_valid_encryption``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import opcount  # noqa: E402
import workload  # noqa: E402

EG_VERSION = "1.4.0"


def find_python310() -> str:
    candidates = [shutil.which("python3.10") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))
    candidates += ["/usr/bin/python3.10", "/usr/local/bin/python3.10"]
    for c in candidates:
        if c and subprocess.run([c, "--version"], capture_output=True).returncode == 0:
            return c
    raise SystemExit("python3.10 not found: ElectionGuard 1.4.0 imports only on Python <= 3.10")


def ensure_eg_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import electionguard, gmpy2"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating {venv} with electionguard=={EG_VERSION} ...", flush=True)
    subprocess.run([find_python310(), "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"electionguard=={EG_VERSION}"], check=True
    )
    return python


def run_electionguard(python: Path, rounds: int) -> dict[str, float]:
    out = subprocess.run(
        [str(python), str(HERE / "eg_worker.py"), str(rounds)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def best_of(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


class UrnaRunner:
    """Urna's side, run in slices interleaved with ElectionGuard's so both see the same load."""

    def __init__(self) -> None:
        self.s = workload.setup()
        self.rand = workload.drbg("vs-eg")
        self.signed = workload.encrypt_one(self.s, self.rand)
        self.enc_counts = opcount.count_ops(lambda: workload.encrypt_one(self.s, self.rand))
        self.ver_counts = opcount.count_ops(lambda: workload.verify_one(self.s, self.signed))
        self.rates: dict[str, float] = {}
        self.enc = self.ver = float("inf")

    def slice(self, rounds: int) -> None:
        for name, t in opcount.measure_rates(number=200, repeat=3).items():
            self.rates[name] = min(self.rates.get(name, t), t)
        self.enc = min(self.enc, best_of(lambda: workload.encrypt_one(self.s, self.rand), rounds))
        self.ver = min(self.ver, best_of(lambda: workload.verify_one(self.s, self.signed), rounds))

    def summary(self) -> dict[str, float]:
        return {
            "encrypt": self.enc,
            "verify": self.ver,
            "encrypt_bound": opcount.bound(self.enc_counts, self.rates),
            "verify_bound": opcount.bound(self.ver_counts, self.rates),
            "encrypt_ops": opcount.describe_counts(self.enc_counts),  # type: ignore[dict-item]
            "verify_ops": opcount.describe_counts(self.ver_counts),  # type: ignore[dict-item]
            "rates": opcount.describe_rates(self.rates),  # type: ignore[dict-item]
            "ballot_json_bytes": len(json.dumps(self.signed.to_json(), separators=(",", ":"))),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="Urna runs per slice")
    parser.add_argument("--eg-rounds", type=int, default=5, help="ElectionGuard runs per slice")
    parser.add_argument("--slices", type=int, default=3, help="alternations of EG and Urna")
    parser.add_argument(
        "--eg-venv",
        type=Path,
        default=Path(os.path.expanduser("~/.cache/urna/electionguard-1.4.0")),
    )
    args = parser.parse_args()
    python = ensure_eg_venv(args.eg_venv)
    runner = UrnaRunner()
    eg: dict[str, float] = {}
    for _ in range(args.slices):  # alternate, so that both meet the same machine load
        part = run_electionguard(python, args.eg_rounds)
        for key in ("encrypt_best", "verify_best"):
            eg[key] = min(eg.get(key, part[key]), part[key])
        eg["ballot_json_bytes"] = part["ballot_json_bytes"]
        eg["rounds"] = eg.get("rounds", 0) + part["rounds"]
        runner.slice(args.rounds)
    urna = runner.summary()
    ms = 1e3
    print(f"libsodium (same run): {urna['rates']}")
    print(
        f"ElectionGuard {EG_VERSION}: encrypt {eg['encrypt_best'] * ms:.1f} ms, "
        f"verify {eg['verify_best'] * ms:.1f} ms (best of {eg['rounds']}), "
        f"ballot {eg['ballot_json_bytes']:,} bytes of JSON"
    )
    print(
        f"Urna: encrypt+prove+sign {urna['encrypt'] * ms:.3f} ms "
        f"(libsodium bound {urna['encrypt_bound'] * ms:.3f} ms; {urna['encrypt_ops']})"
    )
    print(
        f"Urna: verify {urna['verify'] * ms:.3f} ms "
        f"(libsodium bound {urna['verify_bound'] * ms:.3f} ms; {urna['verify_ops']}), "
        f"ballot {urna['ballot_json_bytes']:,} bytes of JSON"
    )
    enc_ratio = eg["encrypt_best"] / urna["encrypt"]
    ver_ratio = eg["verify_best"] / urna["verify"]
    bound_ratio = urna["verify"] / urna["verify_bound"]
    ratios = f"encrypt={enc_ratio:.1f}x verify={ver_ratio:.1f}x bound={bound_ratio:.2f}x"
    print(f"urna-vs-electionguard {ratios}")


if __name__ == "__main__":
    main()
