"""Randomness comes into the core as an argument, never from a global.

Functions that need randomness take a ``RandBytes``; the shell passes
``os.urandom`` and tests pass a seeded generator, so every protocol run can
be replayed exactly.
"""

from collections.abc import Callable

RandBytes = Callable[[int], bytes]
"""``randbytes(n)`` returns ``n`` uniformly random bytes."""
