"""The fault suite imports the election tests' kit (``election_kit``) as a plain module."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "election"))
