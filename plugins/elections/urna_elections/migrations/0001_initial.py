from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Election",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=64)),
                ("title", fields.CharField(max_length=200)),
                ("kind", fields.CharField(max_length=40)),
                ("date", fields.CharField(max_length=10)),
                ("profile", fields.TextField(unique=False)),
                ("candidates", fields.TextField(unique=False)),
                ("status", fields.CharField(default="unofficial", max_length=16)),
            ],
            options={
                "table": "elections_election",
                "app": "elections",
                "pk_attr": "id",
                "table_description": "An election, its law profile (as recorded) and its results status.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Commission",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "election",
                    fields.ForeignKeyField(
                        "elections.Election",
                        source_field="election_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="commissions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("code", fields.CharField(max_length=64)),
                ("name", fields.CharField(max_length=200)),
                ("kind", fields.CharField(max_length=16)),
                ("parent_code", fields.CharField(max_length=64)),
            ],
            options={
                "table": "elections_commission",
                "app": "elections",
                "unique_together": (("election", "code"),),
                "pk_attr": "id",
                "table_description": "A commission of the hierarchy. Precincts are the leaves that send protocols.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Draft",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "election",
                    fields.ForeignKeyField(
                        "elections.Election",
                        source_field="election_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="drafts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("precinct_code", fields.CharField(max_length=64)),
                ("supersedes", fields.CharField(default="", max_length=64)),
                ("reason", fields.TextField(default="", unique=False)),
                ("entry_a", fields.TextField(null=True, unique=False)),
                ("operator_a", fields.CharField(default="", max_length=64)),
                ("entry_b", fields.TextField(null=True, unique=False)),
                ("operator_b", fields.CharField(default="", max_length=64)),
                ("doc", fields.TextField(null=True, unique=False)),
                ("signatures", fields.TextField(default="[]", unique=False)),
                ("dissents", fields.TextField(default="[]", unique=False)),
                ("status", fields.CharField(default="entering", max_length=16)),
            ],
            options={
                "table": "elections_draft",
                "app": "elections",
                "pk_attr": "id",
                "table_description": "A protocol being entered twice by two operators, then signed by members.",
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
                (
                    "election",
                    fields.ForeignKeyField(
                        "elections.Election",
                        source_field="election_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("commission_code", fields.CharField(db_index=True, max_length=64)),
                ("name", fields.CharField(max_length=200)),
                ("role", fields.CharField(max_length=16)),
                ("decisive", fields.BooleanField()),
                ("key", fields.CharField(max_length=64)),
                ("keystore", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "elections_member",
                "app": "elections",
                "unique_together": (("election", "key"),),
                "pk_attr": "id",
                "table_description": "A commission member with a role and an Ed25519 key, the secret only sealed under Argon2id.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Package",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "election",
                    fields.ForeignKeyField(
                        "elections.Election",
                        source_field="election_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="packages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("digest", fields.CharField(max_length=64)),
                ("commission_code", fields.CharField(max_length=64)),
                ("protocols", fields.IntField()),
            ],
            options={
                "table": "elections_package",
                "app": "elections",
                "unique_together": (("election", "digest"),),
                "pk_attr": "id",
                "table_description": "An imported offline package or summary, by digest, so a second import is a no-op.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Protocol",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "election",
                    fields.ForeignKeyField(
                        "elections.Election",
                        source_field="election_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="protocols",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("precinct_code", fields.CharField(max_length=64)),
                ("digest", fields.CharField(max_length=64)),
                ("doc", fields.TextField(unique=False)),
                ("signatures", fields.TextField(unique=False)),
                ("source", fields.CharField(max_length=16)),
                ("current", fields.BooleanField(default=True)),
                ("version", fields.IntField()),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "elections_protocol",
                "app": "elections",
                "unique_together": (
                    ("election", "digest"),
                    ("election", "precinct_code", "version"),
                ),
                "pk_attr": "id",
                "table_description": "An accepted precinct protocol. A correction adds a row and clears ``current``.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Turnout",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "election",
                    fields.ForeignKeyField(
                        "elections.Election",
                        source_field="election_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="turnout",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("precinct_code", fields.CharField(max_length=64)),
                ("hour", fields.CharField(max_length=5)),
                ("voters", fields.IntField()),
            ],
            options={
                "table": "elections_turnout",
                "app": "elections",
                "unique_together": (("election", "precinct_code", "hour"),),
                "pk_attr": "id",
                "table_description": "Voters who had voted by one of the law's hours, per precinct.",
            },
            bases=["Model"],
        ),
    ]
