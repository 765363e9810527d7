from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.schema_editor import BaseSchemaEditor

SQLITE_FULL_TEXT = """
CREATE VIRTUAL TABLE parliament_transcript_fts USING fts5(
    text, content='parliament_transcript', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER parliament_transcript_fts_insert AFTER INSERT ON parliament_transcript BEGIN
    INSERT INTO parliament_transcript_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER parliament_transcript_fts_delete AFTER DELETE ON parliament_transcript BEGIN
    INSERT INTO parliament_transcript_fts(parliament_transcript_fts, rowid, text)
    VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER parliament_transcript_fts_update AFTER UPDATE ON parliament_transcript BEGIN
    INSERT INTO parliament_transcript_fts(parliament_transcript_fts, rowid, text)
    VALUES ('delete', old.id, old.text);
    INSERT INTO parliament_transcript_fts(rowid, text) VALUES (new.id, new.text);
END;
"""
POSTGRES_FULL_TEXT = """
ALTER TABLE parliament_transcript ADD COLUMN search tsvector
GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
CREATE INDEX parliament_transcript_search ON parliament_transcript USING gin (search);
"""


async def full_text_index(apps: object, editor: BaseSchemaEditor) -> None:
    """Transcripts' full-text index: FTS5 kept by triggers on SQLite; on PostgreSQL a stored
    tsvector of the 'simple' configuration (ranked without recomputing it) under a GIN
    index. search.py queries both."""
    postgres = editor.client.capabilities.dialect == "postgres"
    await editor.client.execute_script(POSTGRES_FULL_TEXT if postgres else SQLITE_FULL_TEXT)


class Migration(migrations.Migration):
    dependencies = [("parliament", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Draft",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("number", fields.CharField(unique=True, max_length=50)),
                ("title", fields.CharField(max_length=500)),
                ("initiator", fields.CharField(default="", max_length=200)),
                ("registered", fields.CharField(max_length=10)),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "parliament_draft",
                "app": "parliament",
                "pk_attr": "id",
                "table_description": "A draft law or resolution before the chamber, by its registration number.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DraftDocument",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("draft", fields.CharField(max_length=50)),
                ("document", fields.IntField()),
                ("title", fields.CharField(max_length=500)),
                ("digest", fields.CharField(db_index=True, max_length=64)),
                ("size", fields.BigIntField()),
                ("media_type", fields.CharField(max_length=100)),
                ("filename", fields.CharField(max_length=200)),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "parliament_draft_document",
                "app": "parliament",
                "unique_together": (("draft", "document"),),
                "pk_attr": "id",
                "table_description": "A document of a draft (the text, a committee's opinion...), numbered within the draft.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DraftReading",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("draft", fields.CharField(max_length=50)),
                ("reading", fields.CharField(max_length=4)),
                ("status", fields.CharField(max_length=20)),
                ("date", fields.CharField(max_length=10)),
                ("sitting", fields.IntField(null=True)),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "parliament_draft_reading",
                "app": "parliament",
                "unique_together": (("draft", "reading"),),
                "pk_attr": "id",
                "table_description": "The status of one reading (I, II, III) of a draft: the latest the secretariat set.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SpeechFile",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("sitting", fields.IntField()),
                ("speech", fields.IntField()),
                ("kind", fields.CharField(max_length=16)),
                ("digest", fields.CharField(db_index=True, max_length=64)),
                ("size", fields.BigIntField()),
                ("media_type", fields.CharField(max_length=100)),
                ("filename", fields.CharField(max_length=200)),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "parliament_speech_file",
                "app": "parliament",
                "unique_together": (("sitting", "speech", "kind"),),
                "pk_attr": "id",
                "table_description": "A speech's audio, video or transcript file: the latest upload of each kind.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Transcript",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("sitting", fields.IntField()),
                ("speech", fields.IntField()),
                ("text", fields.TextField(unique=False)),
            ],
            options={
                "table": "parliament_transcript",
                "app": "parliament",
                "unique_together": (("sitting", "speech"),),
                "pk_attr": "id",
                "table_description": "A speech's transcript text, indexed for full-text search (FTS5 or PostgreSQL).",
            },
            bases=["Model"],
        ),
        ops.RunPython(full_text_index),
    ]
