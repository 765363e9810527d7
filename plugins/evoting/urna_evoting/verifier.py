"""What ``urna verify`` needs of this plugin, named by its ``urna.verify`` entry point.

Nothing of its own: an e-voting election's record is the core's ballot-box
events (``core.election_*``, ``core.ballot_*``, ``core.tally_*``), which the
core's numbered checks verify in full. The voter list, booths and sessions are
not in the record, by design (``docs/evoting.md``).
"""

from urna.verify import VerifierPlugin

VERIFIER = VerifierPlugin((), ())
