"""Typed errors of the election record.

Each carries ``check``, the stable id of the verification check it fails, so
that the verifier can report every failure by name and place.
"""


class RecordError(Exception):
    """A record value or bundle is malformed or does not verify."""

    check = "record.format"

    def __init__(self, message: str, *, check: str | None = None, where: str = "") -> None:
        super().__init__(message)
        if check is not None:
            self.check = check
        self.where = where


class CanonicalFormError(RecordError):
    """Bytes are not the RFC 8785 canonical form of the JSON value they parse to."""

    check = "record.canonical"
