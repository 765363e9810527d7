"""What ``urna verify`` needs of this plugin, named by its ``urna.verify`` entry point.

Pure: the record's event types and checks, without the web routes, models,
reports or commands of ``plugin.py``, so an observer's verify imports no sanic
or tortoise.
"""

from urna.verify import VerifierPlugin

from urna_elections.record import EVENT_TYPES, VERIFIER_CHECKS

VERIFIER = VerifierPlugin(EVENT_TYPES, VERIFIER_CHECKS)
