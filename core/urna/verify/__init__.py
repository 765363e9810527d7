"""The observer's verifier: numbered checks over an exported record bundle.

``verify_path(path, checks=core_checks(types) + plugin_checks)`` returns a
:class:`Report`; ``urna verify`` is the command-line face of it.
"""

from urna.verify.check import CheckContext, Failure, VerifierCheck
from urna.verify.contribution import VerifierPlugin
from urna.verify.record_view import RecordView
from urna.verify.report import CheckResult, Report
from urna.verify.runner import core_checks, verify_files, verify_path

__all__ = [
    "CheckContext",
    "CheckResult",
    "Failure",
    "RecordView",
    "Report",
    "VerifierCheck",
    "VerifierPlugin",
    "core_checks",
    "verify_files",
    "verify_path",
]
