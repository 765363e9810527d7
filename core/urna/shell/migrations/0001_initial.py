from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="IdempotentResponse",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("principal", fields.CharField(max_length=100)),
                ("key", fields.CharField(max_length=200)),
                ("request_hash", fields.CharField(max_length=64)),
                ("status", fields.IntField()),
                ("content_type", fields.CharField(max_length=100)),
                ("body", fields.BinaryField()),
                ("created", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "urna_idempotent_response",
                "app": "urna",
                "unique_together": (("principal", "key"),),
                "pk_attr": "id",
                "table_description": "The first response to a write, replayed for a repeated Idempotency-Key.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LedgerEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("scope", fields.CharField(max_length=100)),
                ("seq", fields.BigIntField()),
                ("prev", fields.CharField(max_length=64)),
                ("hash", fields.CharField(max_length=64)),
                ("time", fields.CharField(max_length=27)),
                ("type", fields.CharField(max_length=121)),
                ("payload", fields.TextField(unique=False)),
                ("signer", fields.CharField(max_length=64)),
                ("sig", fields.CharField(max_length=128)),
            ],
            options={
                "table": "urna_ledger_event",
                "app": "urna",
                "unique_together": (("scope", "seq"),),
                "indexes": [Index(fields=["scope", "type"])],
                "pk_attr": "id",
                "table_description": "One signed event, with the canonical payload is stored as the exact JSON text.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LedgerHead",
            fields=[
                (
                    "scope",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100),
                ),
                ("seq", fields.BigIntField()),
                ("hash", fields.CharField(max_length=64)),
            ],
            options={
                "table": "urna_ledger_head",
                "app": "urna",
                "pk_attr": "scope",
                "table_description": "The last event of each scope, whose row is locked while an event is appended.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LoginThrottle",
            fields=[
                (
                    "key",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200),
                ),
                ("failures", fields.IntField(default=0)),
                ("last_failure", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "urna_login_throttle",
                "app": "urna",
                "pk_attr": "key",
                "table_description": "Consecutive failed logins per key (``user:<name>`` or ``ip:<address>``).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("username", fields.CharField(unique=True, max_length=64)),
                ("password_hash", fields.CharField(max_length=255)),
                ("display_name", fields.CharField(default="", max_length=200)),
                ("created", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("disabled", fields.BooleanField(default=False)),
            ],
            options={"table": "urna_user", "app": "urna", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "token_hash",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("name", fields.CharField(max_length=100)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "urna.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("revoked", fields.BooleanField(default=False)),
            ],
            options={
                "table": "urna_api_token",
                "app": "urna",
                "pk_attr": "token_hash",
                "table_description": "A device bearer token (hash only) that acts as its user, with the roles of that user.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Session",
            fields=[
                (
                    "token_hash",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "urna.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("csrf_token", fields.CharField(max_length=64)),
                ("created", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_seen", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "urna_session",
                "app": "urna",
                "pk_attr": "token_hash",
                "table_description": "A browser session (token hash only), so a database copy holds no session.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserRole",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "urna.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="roles",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("role", fields.CharField(max_length=100)),
            ],
            options={
                "table": "urna_user_role",
                "app": "urna",
                "unique_together": (("user", "role"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
