"""The minutes complete in the page and the PDF (roll call by name, local times, closing
time, page numbers), signed by the presiding officer's card once the sitting closed, and
``urna verify`` checking that signature: a tampered one fails."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pypdf
from urna.record.bundle import read_bundle
from urna.record.canonical import canonical_bytes
from urna.testing import resigned_bundle
from urna_parliament.hall import hall_of
from urna_parliament.simulator import chamber, seated_chamber

URNA = shutil.which("urna") or "urna"


async def closed_sitting_with_a_named_vote(services):
    """The 9-seat chamber presided by its member m001; a vote by name; the sitting closed."""
    hall = hall_of(services)
    roster, _ = chamber(9)
    sitting, cards = await seated_chamber(hall, size=9, presiding=roster[0]["name"])
    item = await hall.add_item(sitting, kind="other", title="Gündəlik", rule="absolute")
    vote = await hall.open_vote(sitting, item=item, mode="named", question="Gündəlik qəbul edilsin")
    for seat in range(1, 8):
        await hall.press(sitting, seat, "for" if seat < 7 else "against")
    await hall.close_vote(sitting, vote)
    await hall.close_sitting(sitting)
    return roster, cards


def spaced(text: str) -> str:
    """Babel's narrow and no-break spaces as the PDF's text extraction gives them."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def urna_verify(bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [URNA, "verify", str(bundle), "--json", str(bundle.parent / "report.json"), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def check_result(bundle: Path, check: str) -> dict:
    report = json.loads((bundle.parent / "report.json").read_text())
    [result] = [c for c in report["checks"] if c["id"] == check]
    return result


async def test_the_minutes_are_complete_signed_and_verified(urna_server, tmp_path):
    services = urna_server.services
    roster, cards = await closed_sitting_with_a_named_vote(services)
    chair = await urna_server.login("chair", ["parliament.presiding"])

    r = await chair.get("/p/parliament/sittings/1/minutes/statement.json")
    assert r.status_code == 200, r.text
    statement = r.json()
    assert statement["member"] == "m001"
    # Another member's card, or bytes that are not the statement: refused, nothing appended.
    head = await services.ledger.head("parliament-sitting-1")
    other = cards["m002"].sign(bytes.fromhex(statement["statement"])).hex()
    for member, sig in (("m002", other), ("m001", other)):
        r = await chair.post(
            "/p/parliament/sittings/1/minutes/signature",
            json={"member": member, "record": statement["record"], "sig": sig},
            headers={"Idempotency-Key": f"bad-{member}"},
        )
        assert r.status_code == 422, r.text
    assert (
        "not the presiding officer"
        in (
            await chair.post(
                "/p/parliament/sittings/1/minutes/signature",
                json={"member": "m002", "record": statement["record"], "sig": other},
                headers={"Idempotency-Key": "bad-again"},
            )
        ).json()["error"]
    )
    assert await services.ledger.head("parliament-sitting-1") == head

    sig = cards["m001"].sign(bytes.fromhex(statement["statement"])).hex()
    r = await chair.post(
        "/p/parliament/sittings/1/minutes/signature",
        json={"member": "m001", "record": statement["record"], "sig": sig},
        headers={"Idempotency-Key": "sign"},
    )
    assert r.status_code == 201, r.text
    r = await chair.post(
        "/p/parliament/sittings/1/minutes/signature",
        json={"member": "m001", "record": statement["record"], "sig": sig},
        headers={"Idempotency-Key": "sign-twice"},
    )
    assert r.status_code == 409
    assert "already signed" in r.json()["error"]

    client = urna_server.client()
    minutes = (await client.get("/p/parliament/sittings/1/minutes.json")).json()
    closed = minutes["closed"]
    assert minutes["signature"]["member"] == "m001"
    t = services.web.translator("en")
    page = (
        await client.get(
            "/p/parliament/sittings/1/minutes.html",
            headers={"Accept": "text/html", "Accept-Language": "en"},
        )
    ).text
    assert "Votes by name" in page
    assert roster[5]["name"] in page
    assert f"Sitting closed: {t.datetime(closed)}" in page
    assert "Signed by the presiding officer " + roster[0]["name"] in page

    r = await client.get("/p/parliament/sittings/1/minutes.pdf", params={"lang": "en"})
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    text = spaced("\n".join(page.extract_text() for page in reader.pages))
    assert "Votes by name" in text
    assert roster[5]["name"] in text
    assert spaced(t.datetime(closed)) in text
    assert "Signed by the presiding officer" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    # Times in the appliance's zone (Asia/Baku, UTC+4), not the record's UTC.
    assert t.time(closed) != closed[11:19]
    assert spaced(t.time(closed)) in text

    # urna verify checks the signature; a tampered signature, or a doctored record under
    # a valid one, fails the check.
    bundle = await services.ledger.export("parliament-sitting-1", tmp_path / "good")
    result = urna_verify(bundle)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_result(bundle, "parliament.minutes-signature")["status"] == "passed"
    events = await services.ledger.events("parliament-sitting-1")

    # A forged signature in the appliance's own bundle.
    forged = tmp_path / "forged"
    shutil.copytree(tmp_path / "good", forged)
    lines = (forged / "events.jsonl").read_bytes().splitlines()
    for n, line in enumerate(lines):
        event = json.loads(line)
        if event["type"] == "parliament.minutes_signed":
            sig = event["payload"]["sig"]
            event["payload"]["sig"] = ("0" if sig[0] != "0" else "1") + sig[1:]
            lines[n] = canonical_bytes(event)
    (forged / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")

    # A doctored record under the presiding officer's signature, the whole chain re-signed
    # with another appliance key (as a thief of the appliance's key could).
    def doctor(event, payload):
        if event.type == "parliament.sitting_opened":
            payload["place"] = "elsewhere"

    doctored = tmp_path / "doctored"
    for file, data in resigned_bundle(events, doctor).items():
        (doctored / file).parent.mkdir(parents=True, exist_ok=True)
        (doctored / file).write_bytes(data)
    for target, message in ((forged, "does not verify"), (doctored, "names another record")):
        assert read_bundle(target).files
        result = urna_verify(target)
        assert result.returncode != 0, target
        failed = check_result(target, "parliament.minutes-signature")
        assert failed["status"] == "failed", target
        assert message in json.dumps(failed), (target, failed)
