"""The 10,000-ballot bundle, generated once and cached under ``benchmarks/election/.cache/``
(imported as a plain module: ``conftest`` names collide under --import-mode=importlib)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[2] / "tests" / "election"))  # election_kit

import election_kit
from urna.record.bundle import write_bundle

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
VOTERS = 10_000
CHALLENGED = 100
SEED = "bench-10k"
_figures: list[str] = []


def cached_bundle(voters: int = VOTERS) -> tuple[Path, dict[str, Any]]:
    """The bundle of a generated election (1 contest, 4 candidates, vote for 1; 3 of 5
    guardians decrypt), built with all cores the first time and then reused."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    directory = CACHE / f"election-{voters}"
    stamp = directory.with_suffix(".json")
    wanted = {"voters": voters, "challenged": CHALLENGED, "seed": SEED, "format": 1}
    if stamp.exists():
        info = json.loads(stamp.read_text())
        if all(info.get(k) == v for k, v in wanted.items()) and directory.is_dir():
            return directory, info
    start = time.perf_counter()
    generated = election_kit.generate_election(
        voters,
        challenged=CHALLENGED,
        devices=20,
        n=5,
        k=3,
        decrypting=(1, 3, 5),
        manifest=election_kit.MAYOR,
        seed=SEED,
        jobs=os.cpu_count() or 1,
        scope="bench-election",
    )
    files = generated.files()
    write_bundle(directory, files)
    info = {
        **wanted,
        "events": len(generated.builder.events),
        "bytes": sum(len(d) for d in files.values()),
        "generation_seconds": round(time.perf_counter() - start, 1),
        "cpus": os.cpu_count(),
    }
    stamp.write_text(json.dumps(info, indent=2) + "\n")
    return directory, info


def figures() -> list[str]:
    return list(_figures)


def record_figure(line: str) -> None:
    """A line for the terminal summary."""
    _figures.append(line)
