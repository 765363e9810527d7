"""The secretariat's archive over real HTTP, on SQLite and PostgreSQL: a speech's files
checked, stored by digest and served with ranges; the stenogram searched by member, by
matter and by the words of its transcripts; drafts with their readings and documents."""

from __future__ import annotations

import hashlib

import attrs
import pytest
from urna_parliament.hall import hall_of
from urna_parliament.media import file_digest, file_store
from urna_parliament.models import SpeechFile, Transcript
from urna_parliament.simulator import seated_chamber

LIMIT = 600 * 1024
OGG = b"OggS" + bytes(range(256)) * 1200  # 307,204 bytes that start as an Ogg file does,
# more than one chunk of the streamed answer (media.CHUNK_BYTES)
TRANSCRIPT_AZ = (
    "Hörmətli sədr, hörmətli deputatlar! Vergi Məcəlləsinə dəyişikliklər kiçik və orta "
    "sahibkarlığın yükünü azaldır.\n\nTəklif edirəm ki, layihə birinci oxunuşda qəbul edilsin."
)
TRANSCRIPT_EN = "The budget committee supports the amendments on customs duties."


@pytest.fixture
def urna_settings(urna_settings):
    """The plugin's test chamber with an upload limit below the server's request limit, so
    that the archive's own limit is the one a larger file meets."""
    sections = dict(urna_settings.plugin_sections)
    sections["parliament"] = {**sections.get("parliament", {}), "upload_max_bytes": LIMIT}
    return attrs.evolve(urna_settings, plugin_sections=sections, max_body_bytes=1024 * 1024)


async def sitting_with_speeches(services, speakers=("m001", "m002", "m003")):
    """A sitting of the 9-seat chamber with a draft debated by ``speakers`` and a guest."""
    hall = hall_of(services)
    sitting, cards = await seated_chamber(hall, size=9, invited=("Maliyyə naziri",))
    law = await hall.add_item(
        sitting,
        kind="draft",
        title="Vergi Məcəlləsinə dəyişikliklər",
        draft_number="1234-7GQ",
        reading="I",
    )
    other = await hall.add_item(sitting, kind="other", title="Gömrük rüsumları haqqında")
    await hall.take_up(sitting, law)
    for speaker in speakers:
        speech = await hall.start_speech(sitting, law, speaker)
        await hall.end_speech(sitting, speech)
    await hall.take_up(sitting, other)
    speech = await hall.start_speech(sitting, other, "Maliyyə naziri")
    await hall.end_speech(sitting, speech)
    return sitting, cards


def put(client, path, data, media_type, *, digest=None, name="file.bin", key="k"):
    return client.put(
        path,
        content=data,
        params={"digest": digest or file_digest(data), "name": name},
        headers={"Content-Type": media_type, "Idempotency-Key": key},
    )


async def nothing_stored(services, digest):
    assert not file_store(services).exists(digest)
    assert not await SpeechFile.exists(digest=digest)
    assert await services.ledger.head("parliament-stenogram") is None


async def test_a_speech_file_is_checked_stored_by_digest_and_served_with_ranges(urna_server):
    services = urna_server.services
    await sitting_with_speeches(services)
    clerk = await urna_server.login("clerk", ["parliament.clerk"])
    audio = "/p/parliament/sittings/1/speeches/1/files/audio"

    # A digest that is not the bytes': refused, and nothing is stored (no file, row, event).
    wrong = hashlib.blake2b(b"other bytes", digest_size=32).hexdigest()
    r = await put(clerk, audio, OGG, "audio/ogg", digest=wrong, key="wrong")
    assert r.status_code == 422, r.text
    assert "digest mismatch" in r.json()["error"]
    await nothing_stored(services, file_digest(OGG))
    # Larger than [plugin.parliament] upload_max_bytes: 413, nothing stored.
    big = b"OggS" + bytes(LIMIT)
    r = await put(clerk, audio, big, "audio/ogg", key="big")
    assert r.status_code == 413, r.text
    assert str(LIMIT) in r.json()["error"]
    await nothing_stored(services, file_digest(big))
    # Bytes that are not of the type claimed, a type a speech's audio cannot be, no speech.
    r = await put(clerk, audio, b"not an ogg", "audio/ogg", key="magic")
    assert (r.status_code, r.json()["error"]) == (
        422,
        "the file does not start as a audio/ogg file does",
    )
    r = await put(clerk, audio, OGG, "application/pdf", key="type")
    assert r.status_code == 415
    r = await put(
        clerk, "/p/parliament/sittings/1/speeches/9/files/audio", OGG, "audio/ogg", key="no"
    )
    assert r.status_code == 404
    await nothing_stored(services, file_digest(OGG))
    # Only the secretariat uploads.
    anonymous = urna_server.client()
    r = await put(anonymous, audio, OGG, "audio/ogg", key="anon")
    assert r.status_code == 401

    r = await put(clerk, audio, OGG, "audio/ogg", name="1.opus", key="ok")
    assert r.status_code == 201, r.text
    digest = file_digest(OGG)
    assert r.json()["href"] == f"/p/parliament/files/{digest}"
    stored = file_store(services).path(digest)
    assert stored.read_bytes() == OGG
    assert stored.parent.name == digest[:2]
    [event] = [e for e in await services.ledger.events("parliament-stenogram") if e.seq > 0]
    assert event.type == "parliament.speech_file_attached"
    assert (event.payload["digest"], event.payload["size"]) == (digest, len(OGG))

    files = urna_server.client()
    whole = await files.get(f"/p/parliament/files/{digest}")
    assert whole.status_code == 200
    assert whole.content == OGG
    assert whole.headers["content-type"] == "audio/ogg"
    assert whole.headers["accept-ranges"] == "bytes"
    part = await files.get(f"/p/parliament/files/{digest}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == OGG[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(OGG)}"
    across = await files.get(
        f"/p/parliament/files/{digest}", headers={"Range": "bytes=262000-300000"}
    )
    assert across.status_code == 206
    assert across.content == OGG[262000:300001]
    assert across.headers["content-length"] == str(300001 - 262000)
    tail = await files.get(f"/p/parliament/files/{digest}", headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, OGG[-10:])
    beyond = await files.get(f"/p/parliament/files/{digest}", headers={"Range": "bytes=999999-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(OGG)}"
    unknown = await files.get("/p/parliament/files/" + "0" * 64)
    assert unknown.status_code == 404
    not_a_digest = await files.get("/p/parliament/files/" + "%C3%A0" * 40)
    assert not_a_digest.status_code == 404

    # A link only for a file that exists: speech 1 has its audio, nothing else has a file.
    speeches = (await files.get("/p/parliament/stenogram.json")).json()
    assert speeches[0]["audio"]["href"] == f"/p/parliament/files/{digest}"
    assert speeches[0]["video"] is None
    assert speeches[0]["transcript"] is None
    assert all(s[k] is None for s in speeches[1:] for k in ("audio", "video", "transcript"))
    page = (await files.get("/p/parliament/stenogram/1", headers={"Accept": "text/html"})).text
    assert page.count(f'href="/p/parliament/files/{digest}"') == 1
    assert "/media/" not in page
    # Bytes gone from the store (removed by hand): no link any more, and the file 404s.
    stored.unlink()
    assert (await files.get("/p/parliament/stenogram.json")).json()[0]["audio"] is None
    assert (await files.get(f"/p/parliament/files/{digest}")).status_code == 404


async def test_an_upload_limit_above_the_servers_request_limit_refuses_to_start(urna_settings):
    from urna_parliament.media import upload_limit

    assert upload_limit(urna_settings) == LIMIT
    sections = {"parliament": {"upload_max_bytes": urna_settings.max_body_bytes + 1}}
    with pytest.raises(
        ValueError, match=r"upload_max_bytes \(\d+\) is more than .*\[server\] max_body_bytes"
    ):
        upload_limit(attrs.evolve(urna_settings, plugin_sections=sections))
    with pytest.raises(ValueError, match="positive integer"):
        upload_limit(
            attrs.evolve(urna_settings, plugin_sections={"parliament": {"upload_max_bytes": "1MB"}})
        )
    unset = attrs.evolve(urna_settings, plugin_sections={"parliament": {}})
    assert upload_limit(unset) == urna_settings.max_body_bytes


async def test_the_stenogram_is_searched_by_member_matter_and_full_text(urna_server):
    services = urna_server.services
    await sitting_with_speeches(services)
    clerk = await urna_server.login("clerk", ["parliament.clerk"])
    for speech, text in ((1, TRANSCRIPT_AZ), (2, TRANSCRIPT_EN)):
        data = text.encode()
        r = await put(
            clerk,
            f"/p/parliament/sittings/1/speeches/{speech}/files/transcript",
            data,
            "text/plain; charset=utf-8",
            name=f"{speech}.txt",
            key=f"t{speech}",
        )
        assert r.status_code == 201, r.text
    assert await Transcript.all().count() == 2
    client = urna_server.client()

    async def found(**terms):
        r = await client.get("/p/parliament/stenogram.json", params=terms)
        assert r.status_code == 200, r.text
        return [(s["sitting"], s["speech"]) for s in r.json()]

    # By member: the id, or part of the name; the guest by name.
    names = {m.member: m.name for m in (await hall_of(services).state(1)).members.values()}
    assert await found(member="m002") == [(1, 2)]
    assert await found(member=names["m003"].split()[0]) == [
        (1, n)
        for n, m in ((1, "m001"), (2, "m002"), (3, "m003"))
        if names[m].split()[0] == names["m003"].split()[0]
    ]
    assert await found(member="naziri") == [(1, 4)]
    # By matter: the draft's number or part of a title.
    assert await found(matter="1234-7GQ") == [(1, 1), (1, 2), (1, 3)]
    assert await found(matter="gömrük") == [(1, 4)]
    # Full text: all the words, any order, case folded; with a member; nothing for no match.
    assert await found(q="sahibkarlığın vergi") == [(1, 1)]
    assert await found(q="CUSTOMS duties") == [(1, 2)]
    assert await found(q="customs", member="m001") == []
    assert await found(q="parlament") == []
    assert await found(q='"; DROP TABLE parliament_transcript; --') == []
    r = await client.get("/p/parliament/stenogram.json", params={"q": "vergi"})
    assert "<" not in r.json()[0]["excerpt"]
    assert "Vergi" in r.json()[0]["excerpt"]
    r = await client.get("/p/parliament/stenogram.json", params={"q": "x" * 201})
    assert r.status_code == 422
    # The page marks the matched words in the excerpt, escaped.
    page = await client.get(
        "/p/parliament/stenogram", params={"q": "vergi"}, headers={"Accept": "text/html"}
    )
    assert "<mark>Vergi</mark>" in page.text


async def test_a_draft_has_readings_and_documents_and_the_minutes_link_it(urna_server):
    services = urna_server.services
    await sitting_with_speeches(services)
    clerk = await urna_server.login("clerk", ["parliament.clerk"])
    r = await clerk.post(
        "/p/parliament/drafts",
        json={
            "draft": "1234-7GQ",
            "title": "Vergi Məcəlləsinə dəyişikliklər",
            "registered": "2026-02-20",
            "initiator": "Nazirlər Kabineti",
        },
        headers={"Idempotency-Key": "d1"},
    )
    assert r.status_code == 201, r.text
    r = await clerk.post(
        "/p/parliament/drafts",
        json={"draft": "1234-7GQ", "title": "again", "registered": "2026-02-20"},
        headers={"Idempotency-Key": "d2"},
    )
    assert r.status_code == 409
    r = await clerk.post(
        "/p/parliament/drafts",
        json={"draft": "no/slash", "title": "x", "registered": "2026-02-30"},
        headers={"Idempotency-Key": "d3"},
    )
    assert r.status_code == 422
    assert "draft number" in r.json()["error"]
    r = await clerk.post(
        "/p/parliament/drafts/1234-7GQ/readings",
        json={"reading": "I", "status": "adopted", "date": "2026-03-10", "sitting": 1},
        headers={"Idempotency-Key": "r1"},
    )
    assert r.status_code == 201, r.text
    r = await clerk.post(
        "/p/parliament/drafts/1234-7GQ/readings",
        json={"reading": "IV", "status": "adopted", "date": "2026-03-10"},
        headers={"Idempotency-Key": "r2"},
    )
    assert r.status_code == 422
    assert "reading must be" in r.json()["error"]
    pdf = b"%PDF-1.4\n% a draft law\n%%EOF\n"
    r = await clerk.put(
        "/p/parliament/drafts/1234-7GQ/documents",
        content=pdf,
        params={"digest": file_digest(pdf), "name": "1234-7GQ.pdf", "title": "Qanun layihəsi"},
        headers={"Content-Type": "application/pdf", "Idempotency-Key": "doc1"},
    )
    assert r.status_code == 201, r.text
    href = r.json()["href"]
    client = urna_server.client()
    assert (await client.get(href)).content == pdf
    record = (await client.get("/p/parliament/drafts/1234-7GQ/record.json")).json()
    assert record["readings"] == [
        {"reading": "I", "status": "adopted", "date": "2026-03-10", "sitting": 1}
    ]
    assert record["documents"][0]["href"] == href
    assert record["sittings"] == [1]
    assert [
        d["draft"]
        for d in (await client.get("/p/parliament/drafts.json", params={"q": "məcəllə"})).json()
    ] == ["1234-7GQ"]
    assert (await client.get("/p/parliament/drafts.json", params={"q": "1234"})).json()[0][
        "draft"
    ] == "1234-7GQ"
    assert (await client.get("/p/parliament/drafts.json", params={"q": "budget"})).json() == []
    assert (await client.get("/p/parliament/drafts/0000-0/record.json")).status_code == 404
    html = {"Accept": "text/html"}
    page = (await client.get("/p/parliament/drafts/1234-7GQ", headers=html)).text
    assert f'href="{href}"' in page
    assert "Qanun layihəsi" in page
    minutes = (await client.get("/p/parliament/sittings/1/minutes.html", headers=html)).text
    assert 'href="/p/parliament/drafts/1234-7GQ"' in minutes
    stenogram = (await client.get("/p/parliament/stenogram/1", headers=html)).text
    assert 'href="/p/parliament/drafts/1234-7GQ"' in stenogram
    assert "Maliyyə naziri" in stenogram  # the invited participant who spoke
