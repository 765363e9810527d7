from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Notice",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("number", fields.IntField(unique=True)),
                ("text", fields.TextField(unique=False)),
                ("author", fields.CharField(max_length=64)),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "example_notice",
                "app": "example",
                "pk_attr": "id",
                "table_description": "A posted notice, numbered in the order posted.",
            },
            bases=["Model"],
        ),
    ]
