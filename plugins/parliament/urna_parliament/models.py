"""The plugin's tables: a projection of its ledger events, and the guards of exactly-once.

The record is the ledger; these rows make lookups fast (the roster by card,
a member's votes and speeches, the stenogram search) and hold the unique
keys that make a vote count once however many times a console sends it.
"""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from urna_parliament.record import ROSTER_FIELDS


class Member(Model):
    """A member of the current convocation, with seat, ID card and public key."""

    id = fields.IntField(primary_key=True)
    member = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    district = fields.CharField(max_length=200, default="")
    faction = fields.CharField(max_length=200, default="")
    seat = fields.IntField(unique=True)
    card = fields.CharField(max_length=64, unique=True)
    key = fields.CharField(max_length=64, unique=True)
    convocation = fields.CharField(max_length=100)

    class Meta:
        table = "parliament_member"

    def roster_entry(self) -> dict[str, Any]:
        """The member as the roster gives them: what a sitting's record and the API carry."""
        return {name: getattr(self, name) for name in ROSTER_FIELDS}


class Sitting(Model):
    """A plenary sitting, whose record is the ledger scope ``parliament-sitting-<number>``."""

    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True)
    protocol = fields.CharField(max_length=50)
    place = fields.CharField(max_length=200)
    date = fields.CharField(max_length=10)
    presiding = fields.CharField(max_length=200)
    closed = fields.BooleanField(default=False)

    class Meta:
        table = "parliament_sitting"


class CastRecord(Model):
    """One member's vote (or encrypted ballot) in one vote: at most one, by the unique key."""

    id = fields.IntField(primary_key=True)
    sitting = fields.IntField()
    vote = fields.IntField()
    member = fields.CharField(max_length=32)
    seat = fields.IntField()
    choice = fields.CharField(max_length=16, null=True)
    """Null for a secret ballot, updated by a correction (the record keeps both)."""
    seq = fields.BigIntField()

    class Meta:
        table = "parliament_cast"
        unique_together = (("sitting", "vote", "member"),)


class SpeechRecord(Model):
    """The stenogram index: who spoke on what, when, and where the media are."""

    id = fields.IntField(primary_key=True)
    sitting = fields.IntField()
    speech = fields.IntField()
    item = fields.IntField()
    matter = fields.CharField(max_length=500)
    draft_number = fields.CharField(max_length=50, default="")
    speaker = fields.CharField(max_length=200)
    member = fields.CharField(max_length=32, default="")
    started = fields.CharField(max_length=32)
    ended = fields.CharField(max_length=32, default="")
    audio = fields.CharField(max_length=500, default="")
    video = fields.CharField(max_length=500, default="")
    transcript = fields.CharField(max_length=500, default="")

    class Meta:
        table = "parliament_speech"
        unique_together = (("sitting", "speech"),)


class SpeechFile(Model):
    """A speech's audio, video or transcript file: the latest upload of each kind.

    The file lies under the data directory by its BLAKE2b digest (``media.py``);
    every upload, replaced ones too, stays in the ledger.
    """

    id = fields.IntField(primary_key=True)
    sitting = fields.IntField()
    speech = fields.IntField()
    kind = fields.CharField(max_length=16)
    digest = fields.CharField(max_length=64, db_index=True)
    size = fields.BigIntField()
    media_type = fields.CharField(max_length=100)
    filename = fields.CharField(max_length=200)
    seq = fields.BigIntField()

    class Meta:
        table = "parliament_speech_file"
        unique_together = (("sitting", "speech", "kind"),)


class Transcript(Model):
    """A speech's transcript text, indexed for full-text search (FTS5 or PostgreSQL)."""

    id = fields.IntField(primary_key=True)
    sitting = fields.IntField()
    speech = fields.IntField()
    text = fields.TextField()

    class Meta:
        table = "parliament_transcript"
        unique_together = (("sitting", "speech"),)


class Draft(Model):
    """A draft law or resolution before the chamber, by its registration number."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=50, unique=True)
    title = fields.CharField(max_length=500)
    initiator = fields.CharField(max_length=200, default="")
    registered = fields.CharField(max_length=10)
    seq = fields.BigIntField()

    class Meta:
        table = "parliament_draft"


class DraftReading(Model):
    """The status of one reading (I, II, III) of a draft: the latest the secretariat set."""

    id = fields.IntField(primary_key=True)
    draft = fields.CharField(max_length=50)
    reading = fields.CharField(max_length=4)
    status = fields.CharField(max_length=20)
    date = fields.CharField(max_length=10)
    sitting = fields.IntField(null=True)
    seq = fields.BigIntField()

    class Meta:
        table = "parliament_draft_reading"
        unique_together = (("draft", "reading"),)


class DraftDocument(Model):
    """A document of a draft (the text, a committee's opinion...), numbered within the draft."""

    id = fields.IntField(primary_key=True)
    draft = fields.CharField(max_length=50)
    document = fields.IntField()
    title = fields.CharField(max_length=500)
    digest = fields.CharField(max_length=64, db_index=True)
    size = fields.BigIntField()
    media_type = fields.CharField(max_length=100)
    filename = fields.CharField(max_length=200)
    seq = fields.BigIntField()

    class Meta:
        table = "parliament_draft_document"
        unique_together = (("draft", "document"),)
