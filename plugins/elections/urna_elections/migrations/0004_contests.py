from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("elections", "0003_results_catch_up")]

    initial = False

    operations = [
        ops.AddField(model_name="Election", name="contests", field=fields.TextField(default="[]")),
        ops.AddField(model_name="Election", name="districts", field=fields.TextField(default="[]")),
    ]
