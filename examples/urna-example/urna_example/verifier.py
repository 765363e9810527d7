"""What ``urna verify`` needs of this plugin, named by its ``urna.verify`` entry point.

Pure: the event type and the check of ``record.py``, without the routes and
models of ``plugin.py``, so an observer's verify imports no web server or database.
"""

from urna.verify import VerifierPlugin

from urna_example.record import NOTICE_POSTED, NUMBERING_CHECK

VERIFIER = VerifierPlugin((NOTICE_POSTED,), (NUMBERING_CHECK,))
