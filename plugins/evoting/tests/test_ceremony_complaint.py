"""A share that does not decrypt, through the guardians' command on separate data
directories: its recipient complains, its sender reveals it, the recipient checks the
revealed share against the sender's commitments and completes the ceremony, and decrypts
the tally without the sender. A revealed share that does not match is refused."""

from __future__ import annotations

import asyncio
import os

import pytest
from urna.crypto.ceremony import generate_guardian
from urna.testing import TEST_PASSWORD
from urna_evoting.demo import CANDIDATES, QUESTION
from urna_evoting.guardian_tool import GuardianToolError, revealed_share

# The test's hook, never in shipped code: the sender's command runs as usual, except that
# its share to guardian 2 is corrupted (one ciphertext bit flipped) and signed again, so it
# is the sender's signed share and does not decrypt: the evidence cannot tell who is wrong.
CORRUPT_SHARE_TO_2 = """
import attrs
from urna_evoting import guardian_tool
from urna.shell.cli import main

make_shares = guardian_tool.make_shares


def corrupted(sender, recipients, parameters_hash, randbytes):
    out = []
    for share in make_shares(sender, recipients, parameters_hash, randbytes):
        if share.recipient == 2:
            flipped = bytes([share.ciphertext[0] ^ 1]) + share.ciphertext[1:]
            unsigned = attrs.evolve(share, ciphertext=flipped, signature=b"")
            signature = sender.signing_key.sign(unsigned.signed_bytes(parameters_hash))
            share = attrs.evolve(unsigned, signature=signature)
        out.append(share)
    return tuple(out)


guardian_tool.make_shares = corrupted
main()
"""


# The test's other hook: the recipient's command against an appliance that lies about the
# revealed share (it shows 1 instead), to see the recipient check it.
LYING_ABOUT_THE_REVEAL = """
from urna_evoting import guardian_tool
from urna.shell.cli import main

state = guardian_tool.Appliance.state


def lying(self):
    value = state(self)
    for revealed in value["status"]["ceremony"]["revealed"]:
        revealed["value"] = "01" + "00" * 31
    return value


guardian_tool.Appliance.state = lying
main()
"""

REVEAL_TODO = {
    "en": "Reveal the share a complaint disputes",
    "az": "Şikayət edilən payı açıqlamaq",
    "ru": "Раскрыть долю, оспоренную жалобой",
}


async def test_a_revealed_share_completes_its_recipients_ceremony(kit, urna_pages):
    await kit.setup(voters=2)
    await kit.join()
    outs: dict[int, str] = {1: "", 2: "", 3: ""}
    wrong_reveal_tried = lie_refused = False
    for _ in range(6):
        for gid in (1, 2, 3):
            if gid == 2 and not lie_refused and (await kit.status())["ceremony"]["revealed"]:
                lie_refused = True
                await _recipient_refuses_a_lie(kit)
            program = CORRUPT_SHARE_TO_2 if gid == 1 else None
            outs[gid] += await kit.guardian_next(gid, program=program)
        status = await kit.status()
        if status["ceremony"]["unresolved"] == [[1, 2]] and not wrong_reveal_tried:
            wrong_reveal_tried = True
            await _wrong_reveal_is_refused(kit)
            for language, todo in REVEAL_TODO.items():  # the sender's row says what to do
                await urna_pages.visit("/p/evoting/guardians", language)
                page = await asyncio.to_thread(lambda: urna_pages.driver.page_source)
                assert page.count(todo) == 1, language
                # The complaint's verdict in words, not the record's identifier.
                assert "sender-must-reveal" not in page, language
        if status["confirmed"] == [1, 2, 3]:
            break
    assert wrong_reveal_tried, outs
    assert lie_refused, outs
    assert "complained about guardian 1's share (share.undecryptable)" in outs[2], outs
    assert "share for guardian 2 revealed" in outs[1], outs
    assert "share revealed by guardian 1 checked against its commitments" in outs[2], outs
    assert "ceremony hash confirmed" in outs[2], outs
    status = await kit.status()
    assert status["confirmed"] == [1, 2, 3], outs
    ceremony = status["ceremony"]
    assert ceremony["complaints"] == [
        {"sender": 1, "recipient": 2, "verdict": "sender-must-reveal"}
    ]
    assert ceremony["unresolved"] == []
    assert [(r["sender"], r["recipient"]) for r in ceremony["revealed"]] == [(1, 2)]

    worker = await kit.poll_worker()
    assert (await kit.poll_form(worker, "open")).status_code == 303
    booth = await kit.booth("b1")
    council, park = list(CANDIDATES)[:2], next(iter(QUESTION))
    form = {"contest-council": council, "contest-park": park}
    for voter in ("v0001", "v0002"):
        await kit.vote(worker, booth, "b1", voter, form)
    assert (await kit.poll_form(worker, "close")).status_code == 303
    for gid in (2, 3):  # the recipient of the revealed share is needed for the quorum
        assert "partial decryption of the tally sent" in await kit.guardian_next(gid)
    admin = await kit.server.login("admin", ["evoting.admin"])
    response = await admin.post("/p/evoting/api/result")
    assert response.status_code == 201, response.text
    status = await kit.status()
    assert status["shares"] == [2, 3]
    counts = {(c["contest_id"], c["selection_id"]): c["count"] for c in status["result"]["counts"]}
    assert counts == {
        key: 2 if key in {("council", c) for c in council} | {("park", park)} else 0
        for key in counts
    }
    checks = await kit.verify_record()
    assert {s for s in checks.values() if s != "not applicable"} == {"passed"}, checks
    assert checks["ceremony.complaints"] == "passed", checks


async def _wrong_reveal_is_refused(kit) -> None:
    """Guardian 1's account publishing a value that is not its share for guardian 2: the
    appliance refuses it, naming the check, and records nothing."""
    head = await kit.head()
    sender = kit.server.client(headers={"Origin": kit.server.url})
    response = await sender.post(
        "/-/login", json={"username": "guardian1", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    sender.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    response = await sender.post(
        "/p/evoting/api/guardian/reveals", json={"recipient": 2, "value": "01" + "00" * 31}
    )
    assert response.status_code in (409, 422), response.text
    assert "share.reveal" in response.text
    assert await kit.head() == head


async def _recipient_refuses_a_lie(kit) -> None:
    """Guardian 2's command shown a revealed value off guardian 1's commitments: one line,
    nothing sent, nothing sealed."""
    head = await kit.head()
    sealed = kit.guardian_dir(2) / "evoting-guardian" / "guardian.sealed"
    before = sealed.read_bytes()
    code, out = await kit.urna(
        kit.guardian_dir(2), "evoting", "guardian", "next", program=LYING_ABOUT_THE_REVEAL
    )
    assert code == 1, out
    assert out.strip() == (
        "Error: the share guardian 1 revealed is refused: [share.reveal] revealed share "
        "does not match the sender's commitments (at guardian 1)"
    )
    assert await kit.head() == head
    assert sealed.read_bytes() == before


def test_the_recipient_refuses_a_revealed_share_off_the_commitments():
    """The recipient's command checks what the appliance shows before using it: a value
    that is not the sender's share for it, or not a scalar at all, stops with one line."""
    sender = generate_guardian(1, 2, b"\x07" * 32, os.urandom)
    right = sender.evaluate(2)
    assert revealed_share(sender.public_key, 2, right.hex()) == right
    with pytest.raises(GuardianToolError) as wrong:
        revealed_share(sender.public_key, 2, sender.evaluate(3).hex())
    assert str(wrong.value) == (
        "the share guardian 1 revealed is refused: [share.reveal] revealed share does not "
        "match the sender's commitments (at guardian 1)"
    )
    with pytest.raises(GuardianToolError) as malformed:
        revealed_share(sender.public_key, 2, "ff" * 32)
    assert str(malformed.value).startswith("the share guardian 1 revealed is refused: ")
