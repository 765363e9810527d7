"""The plugin's tables: what a polling place needs beside the ledger.

The record of the election is the core's ballot box (one ledger scope). These
rows hold what the record must not: the voter list and who checked in, the
booths and their device tokens (hashes only), and the booth sessions. A
session knows its booth and its ballot credential, never its voter: check-in
and activation are separate rows with no key between them, so no table links
a voter to a ballot (``docs/evoting.md``).
"""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Election(Model):
    """An election held on this appliance: its ballot-box scope and its display names."""

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=100, unique=True)
    names: Any = fields.JSONField()
    """``{"title": {lang: text}, "contests": {contest_id: {"title": {...}, "options":
    {option_id: {lang: text}}}}}``: what the ballot shows, in az, en and ru."""
    credential_seed = fields.CharField(max_length=64)
    """Secret: the voters' ballot credentials are derived from it (``credentials.py``)."""
    created = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "evoting_election"


class Guardian(Model):
    """A guardian of an election and the account that speaks for it."""

    id = fields.IntField(primary_key=True)
    election = fields.IntField()
    guardian_id = fields.IntField()
    name = fields.CharField(max_length=200)
    username = fields.CharField(max_length=100)

    class Meta:
        table = "evoting_guardian"
        unique_together = (("election", "guardian_id"), ("election", "username"))


class Voter(Model):
    """An entry of the voter list: checked in once, handed one booth session once."""

    id = fields.IntField(primary_key=True)
    election = fields.IntField()
    voter_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    checked_in_at = fields.DatetimeField(null=True)
    activated = fields.BooleanField(default=False)

    class Meta:
        table = "evoting_voter"
        unique_together = (("election", "voter_id"),)


class Booth(Model):
    """A voting booth (a device) with its enrolment secret until used, then its device token."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    enrol_hash = fields.CharField(max_length=64, null=True)
    token_hash = fields.CharField(max_length=64, null=True, unique=True)
    enrolled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "evoting_booth"


class BoothSession(Model):
    """One voter's turn at a booth: activated, then cast once (never linked to the voter)."""

    id = fields.IntField(primary_key=True)
    election = fields.IntField()
    credential = fields.IntField()
    booth = fields.CharField(max_length=64)
    state = fields.CharField(max_length=16, default="active")
    """``code`` (waiting for its access code at a booth), ``active`` (the voter is choosing
    or reviewing), ``cast``, ``done`` (receipt seen)."""
    access_hash = fields.CharField(max_length=64, null=True, unique=True)
    """SHA-256 of the one-time access code printed for the voter, until a booth takes it."""
    pending: Any = fields.JSONField(null=True)
    """Secret while it exists: the sealed ballot under review and its nonces (for a
    challenge). Erased when the ballot is cast or challenged."""
    receipt: Any = fields.JSONField(null=True)
    activated_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "evoting_session"
        unique_together = (("election", "credential"),)


class TrackedBallot(Model):
    """A cast or challenged ballot by its confirmation code: what the tracker answers."""

    id = fields.IntField(primary_key=True)
    election = fields.IntField()
    code = fields.CharField(max_length=64)
    seq = fields.IntField()
    position = fields.IntField(null=True)
    """The n-th cast ballot of the election (``None`` for a challenged one)."""
    choices: Any = fields.JSONField(null=True)
    """A challenged ballot's decrypted choices ``{contest_id: [option_id]}``."""

    class Meta:
        table = "evoting_tracked"
        unique_together = (("election", "code"),)


class DecryptionRefusal(Model):
    """A partial decryption the ballot box refused: the guardian is named on the results."""

    id = fields.IntField(primary_key=True)
    election = fields.IntField()
    guardian_id = fields.IntField()
    check = fields.CharField(max_length=64)
    message = fields.CharField(max_length=500)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "evoting_refusal"
