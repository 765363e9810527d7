#!/usr/bin/env python3
"""Compare two build trees (work/<x>/root) file by file: what differs between two builds.

    python3 appliance-image/compare-roots.py work/commission/root work/repro-b/root

Prints one line per path whose type, content, mode, owner or mtime differ, then a count.
Used by the reproducibility check when the squashfs hashes differ.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path


def describe(path: Path) -> tuple[object, ...]:
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        content: str = "-> " + os.readlink(path)
    elif stat.S_ISREG(st.st_mode):
        content = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    else:
        content = ""
    return (stat.filemode(st.st_mode), st.st_uid, st.st_gid, int(st.st_mtime), content)


def walk(root: Path) -> dict[str, tuple[object, ...]]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            found[str(full.relative_to(root))] = describe(full)
    return found


def main() -> None:
    a, b = (walk(Path(p)) for p in sys.argv[1:3])
    differ = 0
    for rel in sorted(set(a) | set(b)):
        if a.get(rel) != b.get(rel):
            differ += 1
            print(f"{rel}: {a.get(rel)} != {b.get(rel)}")
    print(f"{differ} of {len(set(a) | set(b))} paths differ")


if __name__ == "__main__":
    main()
