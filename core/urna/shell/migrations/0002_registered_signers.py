from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("urna", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RegisteredSigner",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("scope", fields.CharField(max_length=100)),
                ("key", fields.CharField(max_length=64)),
                ("role", fields.CharField(max_length=64)),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "urna_registered_signer",
                "app": "urna",
                "unique_together": (("scope", "key"),),
                "pk_attr": "id",
                "table_description": "A public key registered in a scope by a core.signer_registered event.",
            },
            bases=["Model"],
        ),
    ]
