from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="CastRecord",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("sitting", fields.IntField()),
                ("vote", fields.IntField()),
                ("member", fields.CharField(max_length=32)),
                ("seat", fields.IntField()),
                ("choice", fields.CharField(null=True, max_length=16)),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "parliament_cast",
                "app": "parliament",
                "unique_together": (("sitting", "vote", "member"),),
                "pk_attr": "id",
                "table_description": "One member's vote (or encrypted ballot) in one vote: at most one, by the unique key.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Member",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("member", fields.CharField(unique=True, max_length=32)),
                ("name", fields.CharField(max_length=200)),
                ("district", fields.CharField(default="", max_length=200)),
                ("faction", fields.CharField(default="", max_length=200)),
                ("seat", fields.IntField(unique=True)),
                ("card", fields.CharField(unique=True, max_length=64)),
                ("key", fields.CharField(unique=True, max_length=64)),
                ("convocation", fields.CharField(max_length=100)),
            ],
            options={
                "table": "parliament_member",
                "app": "parliament",
                "pk_attr": "id",
                "table_description": "A member of the current convocation, with seat, ID card and public key.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Sitting",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("number", fields.IntField(unique=True)),
                ("protocol", fields.CharField(max_length=50)),
                ("place", fields.CharField(max_length=200)),
                ("date", fields.CharField(max_length=10)),
                ("presiding", fields.CharField(max_length=200)),
                ("closed", fields.BooleanField(default=False)),
            ],
            options={
                "table": "parliament_sitting",
                "app": "parliament",
                "pk_attr": "id",
                "table_description": "A plenary sitting, whose record is the ledger scope ``parliament-sitting-<number>``.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SpeechRecord",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("sitting", fields.IntField()),
                ("speech", fields.IntField()),
                ("item", fields.IntField()),
                ("matter", fields.CharField(max_length=500)),
                ("draft_number", fields.CharField(default="", max_length=50)),
                ("speaker", fields.CharField(max_length=200)),
                ("member", fields.CharField(default="", max_length=32)),
                ("started", fields.CharField(max_length=32)),
                ("ended", fields.CharField(default="", max_length=32)),
                ("audio", fields.CharField(default="", max_length=500)),
                ("video", fields.CharField(default="", max_length=500)),
                ("transcript", fields.CharField(default="", max_length=500)),
            ],
            options={
                "table": "parliament_speech",
                "app": "parliament",
                "unique_together": (("sitting", "speech"),),
                "pk_attr": "id",
                "table_description": "The stenogram index: who spoke on what, when, and where the media are.",
            },
            bases=["Model"],
        ),
    ]
