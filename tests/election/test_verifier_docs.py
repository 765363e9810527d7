"""Every check id the verifier can report is listed, with its meaning, in docs/verifier.md."""

from __future__ import annotations

from pathlib import Path

from urna.verify import core_checks
from urna.verify.record_checks import pinned_checks

DOC = Path(__file__).parents[2] / "docs" / "verifier.md"


def test_every_check_id_is_documented():
    from urna.record.checkpoint import Checkpoint

    text = DOC.read_text(encoding="utf-8")
    checkpoint = Checkpoint.__new__(Checkpoint)  # only the check's id matters here
    ids = {check.id for check in core_checks()}
    ids |= {check.id for check in pinned_checks(checkpoint, "00" * 32)}
    ids |= {"record.format", "record.readable", "record.canonical"}
    missing = sorted(i for i in ids if f"| `{i}` |" not in text)
    assert not missing, f"add these check ids to docs/verifier.md: {missing}"
    assert sum(1 for i in ids if i.startswith("election.")) == 17
