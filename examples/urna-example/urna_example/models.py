"""The notice board table: a projection of ``example.notice_posted`` events."""

from tortoise import fields
from tortoise.models import Model


class Notice(Model):
    """A posted notice, numbered in the order posted."""

    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True)
    text = fields.TextField()
    author = fields.CharField(max_length=64)
    seq = fields.BigIntField()

    class Meta:
        table = "example_notice"
