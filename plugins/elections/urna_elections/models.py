"""The elections tables: a projection of the election's ledger scope.

Every row is written in the same transaction as the event it reflects; the
record, not these tables, is what an observer verifies.
"""

from tortoise import fields
from tortoise.models import Model

CODE_LENGTH = 64
"""The longest election code (and member key, 64 hex digits): longer names name nothing."""
UNIT_LENGTH = 160
"""The longest commission code: a code kept as the file gives it, qualified by the code of
the commission above it when the file's codes repeat under different parents."""


class Election(Model):
    """An election, its law profile (as recorded) and its results status."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=CODE_LENGTH, unique=True)
    title = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=40)
    date = fields.CharField(max_length=10)
    profile = fields.TextField()
    candidates = fields.TextField()
    """Every selection of every contest, in ballot order (JSON)."""
    contests = fields.TextField(default="[]")
    """The contests with their districts, seats, votes allowed and selections (JSON); ``[]``
    for an election defined before contests, which holds one contest of all its candidates."""
    districts = fields.TextField(default="[]")
    """Districts that cut across the commission tree, with their precincts (JSON)."""
    status = fields.CharField(max_length=16, default="unofficial")
    official_reason = fields.TextField(default="")
    """Why the results were declared official with precincts missing (empty: complete)."""
    official_missing = fields.TextField(default="[]")
    """The precincts whose protocols were missing when the results became official (JSON)."""

    class Meta:
        table = "elections_election"


class Commission(Model):
    """A commission of the hierarchy. Precincts are the leaves that send protocols."""

    id = fields.IntField(primary_key=True)
    election: fields.ForeignKeyRelation[Election] = fields.ForeignKeyField(
        "elections.Election", related_name="commissions"
    )
    code = fields.CharField(max_length=UNIT_LENGTH)
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=16)
    parent_code = fields.CharField(max_length=UNIT_LENGTH)

    class Meta:
        table = "elections_commission"
        unique_together = (("election", "code"),)


class Member(Model):
    """A commission member with a role and an Ed25519 key, the secret only sealed under Argon2id."""

    id = fields.IntField(primary_key=True)
    election: fields.ForeignKeyRelation[Election] = fields.ForeignKeyField(
        "elections.Election", related_name="members"
    )
    commission_code = fields.CharField(max_length=UNIT_LENGTH, db_index=True)
    name = fields.CharField(max_length=200)
    role = fields.CharField(max_length=16)
    decisive = fields.BooleanField()
    key = fields.CharField(max_length=CODE_LENGTH)
    keystore = fields.TextField(null=True)

    class Meta:
        table = "elections_member"
        unique_together = (("election", "key"),)
        # A precinct's members: the quorum count of each write batch reads through it.
        indexes = (("election_id", "commission_code"),)


class Protocol(Model):
    """An accepted precinct protocol. A correction adds a row and clears ``current``."""

    id = fields.IntField(primary_key=True)
    election: fields.ForeignKeyRelation[Election] = fields.ForeignKeyField(
        "elections.Election", related_name="protocols"
    )
    precinct_code = fields.CharField(max_length=UNIT_LENGTH)
    digest = fields.CharField(max_length=64)
    doc = fields.TextField()
    signatures = fields.TextField()
    source = fields.CharField(max_length=16)
    current = fields.BooleanField(default=True)
    version = fields.IntField()
    seq = fields.BigIntField()

    class Meta:
        table = "elections_protocol"
        # (precinct, version) unique: two concurrent first protocols cannot both commit.
        unique_together = (("election", "digest"), ("election", "precinct_code", "version"))
        # Rows since a seq: how materialised results catch up (``live``).
        indexes = (("election_id", "seq"),)


class Draft(Model):
    """A protocol being entered twice by two operators, then signed by members."""

    id = fields.IntField(primary_key=True)
    election: fields.ForeignKeyRelation[Election] = fields.ForeignKeyField(
        "elections.Election", related_name="drafts"
    )
    precinct_code = fields.CharField(max_length=UNIT_LENGTH)
    supersedes = fields.CharField(max_length=64, default="")
    reason = fields.TextField(default="")
    entry_a = fields.TextField(null=True)
    operator_a = fields.CharField(max_length=64, default="")
    entry_b = fields.TextField(null=True)
    operator_b = fields.CharField(max_length=64, default="")
    doc = fields.TextField(null=True)
    signatures = fields.TextField(default="[]")
    dissents = fields.TextField(default="[]")
    status = fields.CharField(max_length=16, default="entering")

    class Meta:
        table = "elections_draft"


class Turnout(Model):
    """Voters who had voted by one of the law's hours, per precinct."""

    id = fields.IntField(primary_key=True)
    election: fields.ForeignKeyRelation[Election] = fields.ForeignKeyField(
        "elections.Election", related_name="turnout"
    )
    precinct_code = fields.CharField(max_length=UNIT_LENGTH)
    hour = fields.CharField(max_length=5)
    voters = fields.IntField()
    seq = fields.BigIntField(default=0)
    """The event that reported this figure (rows since a seq: ``live``)."""

    class Meta:
        table = "elections_turnout"
        unique_together = (("election", "precinct_code", "hour"),)
        indexes = (("election_id", "seq"),)


class Package(Model):
    """An imported offline package or summary, by digest, so a second import is a no-op."""

    id = fields.IntField(primary_key=True)
    election: fields.ForeignKeyRelation[Election] = fields.ForeignKeyField(
        "elections.Election", related_name="packages"
    )
    digest = fields.CharField(max_length=64)
    commission_code = fields.CharField(max_length=UNIT_LENGTH)
    protocols = fields.IntField()

    class Meta:
        table = "elections_package"
        unique_together = (("election", "digest"),)
