"""The example plugin, tested the way any plugin author tests theirs: through urna.testing."""

from pathlib import Path

import pytest
from urna.record.bundle import read_bundle
from urna.testing import catalog_problems
from urna.verify import core_checks, verify_files
from urna_example.board import post_notice
from urna_example.record import NOTICE_POSTED, NUMBERING_CHECK


async def test_writer_posts_and_reader_reads(urna_server):
    writer = await urna_server.login("writer", ["example.writer"])
    reader = await urna_server.login("reader", ["example.reader"])
    posted = await writer.post(
        "/p/example/notices", json={"text": "Quorum at 10:00"}, headers={"Idempotency-Key": "n-1"}
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["number"] == 1
    listed = await reader.get("/p/example/notices")
    assert listed.json() == [{"number": 1, "text": "Quorum at 10:00", "author": "writer"}]


async def test_reader_may_not_post(urna_server):
    reader = await urna_server.login("reader", ["example.reader"])
    response = await reader.post(
        "/p/example/notices", json={"text": "x"}, headers={"Idempotency-Key": "n-1"}
    )
    assert response.status_code == 403
    assert "example.notices.write" in response.json()["error"]


async def test_repeated_post_is_recorded_once(urna_server):
    writer = await urna_server.login("writer", ["example.writer"])
    for _ in range(3):
        response = await writer.post(
            "/p/example/notices", json={"text": "Once"}, headers={"Idempotency-Key": "same"}
        )
        assert response.status_code == 201
        assert response.json()["number"] == 1
    events = await urna_server.services.ledger.events("notices")
    assert [e.type for e in events].count(NOTICE_POSTED.name) == 1


@pytest.mark.parametrize("text", ["", "x" * 501])
async def test_bad_notice_is_refused_and_changes_nothing(urna_server, text):
    writer = await urna_server.login("writer", ["example.writer"])
    response = await writer.post(
        "/p/example/notices", json={"text": text}, headers={"Idempotency-Key": "bad"}
    )
    assert response.status_code == 422
    assert "text" in response.json()["error"]
    assert await urna_server.services.ledger.head("notices") is None


async def test_exported_record_verifies_with_the_plugin_check(urna_services, tmp_path):
    from urna_example.board import post_notice

    for text in ("a", "b", "c"):
        await post_notice(urna_services.ledger, text, "author")
    await urna_services.ledger.export("notices", tmp_path / "notices")
    files = read_bundle(tmp_path / "notices").files
    report = verify_files(
        files, bundle="notices", checks=[*core_checks([NOTICE_POSTED]), NUMBERING_CHECK]
    )
    assert report.ok, report.summary_lines()


def test_numbering_check_names_a_gap(urna_keys):
    from urna.testing import RecordBuilder

    builder = RecordBuilder(urna_keys("appliance"), scope="notices")
    for number in (1, 3):
        builder.append(NOTICE_POSTED.name, {"number": number, "text": "t", "author": "a"})
    report = verify_files(
        builder.files(), bundle="x", checks=[*core_checks([NOTICE_POSTED]), NUMBERING_CHECK]
    )
    failed = {result.id: result for result in report.failed}
    assert list(failed) == ["example.notices-numbered"]
    assert "expected 2" in failed["example.notices-numbered"].failures[0].message


def test_catalogs_are_complete():
    assert not catalog_problems(Path(__file__).resolve().parents[1], "example")


@pytest.mark.chromium
@pytest.mark.parametrize("language", ["az", "en", "ru"])
async def test_board_page_in_every_language(urna_server, urna_pages, language):
    await post_notice(urna_server.services.ledger, "Sitting opens at 10:00.", "clerk")
    await urna_pages.sign_in("reader", ["example.reader"])
    visit = await urna_pages.visit("/p/example/board", language)
    assert visit.title.startswith({"az": "Elanlar", "en": "Notice", "ru": "Доска"}[language])
    home = await urna_pages.visit("/", language)  # the page is in the reader's navigation
    assert home.language == language
    assert "/p/example/board" in urna_pages.driver.page_source
