"""What ``urna verify`` needs of this plugin, named by its ``urna.verify`` entry point.

Pure: the sitting's event types and checks, without the web routes, models or
devices of ``plugin.py``, so an observer's verify imports no sanic or tortoise.
"""

from urna.verify import VerifierPlugin

from urna_parliament.archive_record import ARCHIVE_EVENT_TYPES
from urna_parliament.checks import VERIFIER_CHECKS
from urna_parliament.minutes_signature import MINUTES_CHECK, MINUTES_SIGNED
from urna_parliament.record import EVENT_TYPES

VERIFIER = VerifierPlugin(
    (*EVENT_TYPES, *ARCHIVE_EVENT_TYPES, MINUTES_SIGNED), (*VERIFIER_CHECKS, MINUTES_CHECK)
)
