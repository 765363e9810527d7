"""The core tables: the ledger, its heads, users, sessions, tokens, idempotency, throttling.

Model docstrings become SQL table comments: keep them to one line without quotes or semicolons.
Domain tables of plugins are projections of the ledger; these are the core's
own. Schema changes go only through committed migrations (``migrations/``).
"""

from tortoise import fields
from tortoise.models import Model


class LedgerEvent(Model):
    """One signed event, with the canonical payload is stored as the exact JSON text."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=100)
    seq = fields.BigIntField()
    prev = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)
    time = fields.CharField(max_length=27)
    type = fields.CharField(max_length=121)
    payload = fields.TextField()
    signer = fields.CharField(max_length=64)
    sig = fields.CharField(max_length=128)

    class Meta:
        table = "urna_ledger_event"
        unique_together = (("scope", "seq"),)
        indexes = (("scope", "type"),)


class LedgerHead(Model):
    """The last event of each scope, whose row is locked while an event is appended."""

    scope = fields.CharField(max_length=100, primary_key=True)
    seq = fields.BigIntField()
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "urna_ledger_head"


class RegisteredSigner(Model):
    """A public key registered in a scope by a core.signer_registered event."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=100)
    key = fields.CharField(max_length=64)
    role = fields.CharField(max_length=64)
    seq = fields.BigIntField()

    class Meta:
        table = "urna_registered_signer"
        unique_together = (("scope", "key"),)


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=200, default="")
    created = fields.DatetimeField(auto_now_add=True)
    disabled = fields.BooleanField(default=False)

    class Meta:
        table = "urna_user"


class UserRole(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "urna.User", related_name="roles", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=100)

    class Meta:
        table = "urna_user_role"
        unique_together = (("user", "role"),)


class Session(Model):
    """A browser session (token hash only), so a database copy holds no session."""

    token_hash = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "urna.User", related_name="sessions", on_delete=fields.CASCADE
    )
    csrf_token = fields.CharField(max_length=64)
    created = fields.DatetimeField()
    last_seen = fields.DatetimeField()

    class Meta:
        table = "urna_session"


class ApiToken(Model):
    """A device bearer token (hash only) that acts as its user, with the roles of that user."""

    token_hash = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=100)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "urna.User", related_name="tokens", on_delete=fields.CASCADE
    )
    created = fields.DatetimeField(auto_now_add=True)
    revoked = fields.BooleanField(default=False)

    class Meta:
        table = "urna_api_token"


class LoginThrottle(Model):
    """Consecutive failed logins per key (``user:<name>`` or ``ip:<address>``)."""

    key = fields.CharField(max_length=200, primary_key=True)
    failures = fields.IntField(default=0)
    last_failure = fields.DatetimeField()

    class Meta:
        table = "urna_login_throttle"


class IdempotentResponse(Model):
    """The first response to a write, replayed for a repeated Idempotency-Key."""

    id = fields.BigIntField(primary_key=True)
    principal = fields.CharField(max_length=100)
    key = fields.CharField(max_length=200)
    request_hash = fields.CharField(max_length=64)
    status = fields.IntField()
    content_type = fields.CharField(max_length=100)
    body = fields.BinaryField()
    created = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "urna_idempotent_response"
        unique_together = (("principal", "key"),)
