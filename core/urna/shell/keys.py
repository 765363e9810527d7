"""The appliance's Ed25519 key: created once by ``urna init``, kept 0600, never printed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from urna.crypto.rng import RandBytes
from urna.crypto.signing import SEED_SIZE, SigningKey
from urna.errors import UrnaError


class KeyFileError(UrnaError):
    """The key file is missing, unreadable, malformed or readable by others."""


def create_key_file(path: Path, randbytes: RandBytes = os.urandom) -> SigningKey:
    """Create a new key at ``path`` (mode 0600, directory 0700); never overwrite one."""
    return write_key_file(path, SigningKey.generate(randbytes))


def write_key_file(path: Path, key: SigningKey) -> SigningKey:
    """Write ``key`` at ``path`` (mode 0600, directory 0700); never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(
            f"{path} already exists; refusing to replace the appliance key"
        ) from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.seed())
    return key


def load_key_file(path: Path) -> SigningKey:
    """Load the key, refusing a file that group or others can read."""
    try:
        mode = path.stat().st_mode
        seed = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"no appliance key at {path}: run 'urna init' first") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the appliance key {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path} is accessible to group or others; chmod 600 it")
    if len(seed) != SEED_SIZE:
        raise KeyFileError(f"{path} is not an appliance key ({len(seed)} bytes, expected 32)")
    return SigningKey.from_seed(seed)
