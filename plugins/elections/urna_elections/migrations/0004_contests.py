from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor import SqliteSchemaEditor


class AlterLength(ops.AlterField):
    """A longer CHAR column. SQLite ignores a column's length, and its table rebuild would
    drop the table's unique constraints and indexes: there, only the state changes."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if isinstance(state_editor, SqliteSchemaEditor):
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if isinstance(state_editor, SqliteSchemaEditor):
            return
        await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("elections", "0003_results_catch_up")]

    initial = False

    operations = [
        ops.AddField(model_name="Election", name="contests", field=fields.TextField(default="[]")),
        ops.AddField(model_name="Election", name="districts", field=fields.TextField(default="[]")),
        # Commission codes kept as the office's files give them, qualified by a parent's.
        AlterLength(
            model_name="Commission",
            name="code",
            field=fields.CharField(max_length=160),
        ),
        AlterLength(
            model_name="Commission",
            name="parent_code",
            field=fields.CharField(max_length=160),
        ),
        AlterLength(
            model_name="Draft",
            name="precinct_code",
            field=fields.CharField(max_length=160),
        ),
        AlterLength(
            model_name="Member",
            name="commission_code",
            field=fields.CharField(db_index=True, max_length=160),
        ),
        AlterLength(
            model_name="Package",
            name="commission_code",
            field=fields.CharField(max_length=160),
        ),
        AlterLength(
            model_name="Protocol",
            name="precinct_code",
            field=fields.CharField(max_length=160),
        ),
        AlterLength(
            model_name="Turnout",
            name="precinct_code",
            field=fields.CharField(max_length=160),
        ),
    ]
