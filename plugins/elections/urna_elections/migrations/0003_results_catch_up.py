from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("elections", "0002_member_commission_index")]

    initial = False

    operations = [
        ops.AddField(model_name="Turnout", name="seq", field=fields.BigIntField(default=0)),
        ops.AddIndex(model_name="Protocol", index=Index(fields=["election_id", "seq"])),
        ops.AddIndex(model_name="Turnout", index=Index(fields=["election_id", "seq"])),
    ]
