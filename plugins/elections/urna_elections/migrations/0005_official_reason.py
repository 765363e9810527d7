from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Results declared official with precincts missing keep the reason and the precincts."""

    dependencies = [("elections", "0004_contests")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Election", name="official_reason", field=fields.TextField(default="")
        ),
        ops.AddField(
            model_name="Election", name="official_missing", field=fields.TextField(default="[]")
        ),
    ]
