from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Booth",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=64)),
                ("enrol_hash", fields.CharField(null=True, max_length=64)),
                ("token_hash", fields.CharField(null=True, unique=True, max_length=64)),
                (
                    "enrolled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "evoting_booth",
                "app": "evoting",
                "pk_attr": "id",
                "table_description": "A voting booth (a device) with its enrolment secret until used, then its device token.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BoothSession",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("election", fields.IntField()),
                ("credential", fields.IntField()),
                ("booth", fields.CharField(max_length=64)),
                ("state", fields.CharField(default="active", max_length=16)),
                ("access_hash", fields.CharField(null=True, unique=True, max_length=64)),
                (
                    "pending",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "receipt",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("activated_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "evoting_session",
                "app": "evoting",
                "unique_together": (("election", "credential"),),
                "pk_attr": "id",
                "table_description": "One voter's turn at a booth: activated, then cast once (never linked to the voter).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DecryptionRefusal",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("election", fields.IntField()),
                ("guardian_id", fields.IntField()),
                ("check", fields.CharField(max_length=64)),
                ("message", fields.CharField(max_length=500)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "evoting_refusal",
                "app": "evoting",
                "pk_attr": "id",
                "table_description": "A partial decryption the ballot box refused: the guardian is named on the results.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Election",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("scope", fields.CharField(unique=True, max_length=100)),
                (
                    "names",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("credential_seed", fields.CharField(max_length=64)),
                ("created", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "evoting_election",
                "app": "evoting",
                "pk_attr": "id",
                "table_description": "An election held on this appliance: its ballot-box scope and its display names.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Guardian",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("election", fields.IntField()),
                ("guardian_id", fields.IntField()),
                ("name", fields.CharField(max_length=200)),
                ("username", fields.CharField(max_length=100)),
            ],
            options={
                "table": "evoting_guardian",
                "app": "evoting",
                "unique_together": (("election", "guardian_id"), ("election", "username")),
                "pk_attr": "id",
                "table_description": "A guardian of an election and the account that speaks for it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TrackedBallot",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("election", fields.IntField()),
                ("code", fields.CharField(max_length=64)),
                ("seq", fields.IntField()),
                ("position", fields.IntField(null=True)),
                (
                    "choices",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "evoting_tracked",
                "app": "evoting",
                "unique_together": (("election", "code"),),
                "pk_attr": "id",
                "table_description": "A cast or challenged ballot by its confirmation code: what the tracker answers.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Voter",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("election", fields.IntField()),
                ("voter_id", fields.CharField(max_length=64)),
                ("name", fields.CharField(max_length=200)),
                (
                    "checked_in_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("activated", fields.BooleanField(default=False)),
            ],
            options={
                "table": "evoting_voter",
                "app": "evoting",
                "unique_together": (("election", "voter_id"),),
                "pk_attr": "id",
                "table_description": "An entry of the voter list: checked in once, handed one booth session once.",
            },
            bases=["Model"],
        ),
    ]
