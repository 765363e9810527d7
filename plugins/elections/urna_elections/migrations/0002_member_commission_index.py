from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_initial")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Member",
            index=Index(fields=["election_id", "commission_code"]),
        ),
    ]
