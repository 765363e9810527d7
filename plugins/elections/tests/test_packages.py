"""Offline packages: signature checked before anything is parsed, hostile archives refused."""

from __future__ import annotations

import gzip
import io
import random
import tarfile

import pytest
from urna.crypto.hashing import blake2b_256
from urna_elections import models
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.package import LABEL, MAGIC, PackageError, open_package, write_package
from urna_elections.protocol import protocol_digest
from urna_elections.protocols import accept_signed
from urna_elections.results import compute
from urna_elections.transfer import export_summary, import_package


def signed_body(body: bytes, key) -> bytes:
    return MAGIC + key.verify_key.raw + key.sign(blake2b_256(LABEL, body)) + body


def tar_with(member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(member, io.BytesIO(data) if data else None)
    return gzip.compress(buffer.getvalue())


def test_a_good_package_opens(urna_keys):
    key = urna_keys("constituency")
    opened = open_package(write_package({"a": 1}, key), {key.verify_key.hex(): "con1"})
    assert opened.content == {"a": 1}


def test_bad_signature_is_refused_before_parsing(urna_keys):
    key = urna_keys("constituency")
    data = bytearray(write_package({"a": 1}, key))
    data[-1] ^= 1
    with pytest.raises(PackageError, match="signature does not verify"):
        open_package(bytes(data), {key.verify_key.hex(): "con1"})
    with pytest.raises(PackageError, match="not a trusted sender"):
        open_package(write_package({"a": 1}, key), {})


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (tarfile.TarInfo("../package.json"), "no paths"),
        (tarfile.TarInfo("/etc/package.json"), "no paths"),
        (tarfile.TarInfo("package.json"), "not a regular file"),
    ],
    ids=["traversal", "absolute", "symlink"],
)
def test_hostile_members_are_refused(urna_keys, member, message):
    key = urna_keys("constituency")
    if message == "not a regular file":
        member.type = tarfile.SYMTYPE
        member.linkname = "/etc/passwd"
    body = tar_with(member)
    with pytest.raises(PackageError, match=message):
        open_package(signed_body(body, key), {key.verify_key.hex(): "*"})


def test_device_file_and_archive_bomb_are_refused(urna_keys):
    key = urna_keys("constituency")
    device = tarfile.TarInfo("package.json")
    device.type = tarfile.CHRTYPE
    with pytest.raises(PackageError, match="not a regular file"):
        open_package(signed_body(tar_with(device), key), {key.verify_key.hex(): "*"})
    big = b"[" + b"0," * 4_000_000 + b"0]"
    info = tarfile.TarInfo("package.json")
    info.size = len(big)
    bomb = tar_with(info, big)
    with pytest.raises(PackageError, match="beyond its limit"):
        open_package(signed_body(bomb, key), {key.verify_key.hex(): "*"}, max_expanded=1_000_000)
    with pytest.raises(PackageError, match="more than the limit"):
        open_package(signed_body(bomb, key), {key.verify_key.hex(): "*"}, max_size=1000)


async def counted_election(ledger, seed):
    """Two constituencies of three precincts, every precinct's protocol counted."""
    generated = await generate_election(ledger, constituencies=2, precincts=6, abroad=0, members=5)
    election = generated.election
    rng = random.Random(seed)  # noqa: S311 - made-up figures
    for precinct in generated.precincts:
        lines, votes = az_protocol_values(rng, election.candidates)
        await accept_signed(
            ledger,
            election,
            signed_protocol(election, precinct, lines, votes, generated.member_keys(precinct)),
            "api",
        )
    return election


async def test_summary_package_is_counted_once_by_the_higher_level(
    urna_services, urna_keys, record_verifies
):
    ledger = urna_services.ledger
    election = await counted_election(ledger, seed=3)
    key = urna_keys("con001-appliance")
    package = await export_summary(election, "con001", key)
    trusted = {key.verify_key.hex(): "con001"}
    before = (await compute(election)).totals["cec"]
    # The same appliance plays the higher level: every protocol is already counted.
    answer = await import_package(ledger, election, package, trusted)
    assert answer["imported"] == 0
    again = await import_package(ledger, election, package, trusted)
    assert again["already"] is True
    assert (await compute(election)).totals["cec"] == before
    with pytest.raises(PackageError, match="trusted for con001, not con002"):
        await import_package(
            ledger, election, await export_summary(election, "con002", key), trusted
        )
    # The summary recorded with no new protocol (zero totals) adds up for the verifier too.
    await record_verifies(ledger, election.scope)


async def test_a_summary_whose_protocols_do_not_check_out_is_refused_whole(
    urna_services, urna_keys
):
    ledger = urna_services.ledger
    election = await counted_election(ledger, seed=4)
    key = urna_keys("con001-appliance")
    trusted = {key.verify_key.hex(): "con001"}
    content = dict(open_package(await export_summary(election, "con001", key), trusted).content)
    first, second = content["protocols"][0], content["protocols"][1]
    first["digest"] = "zz" * 32  # not even hex
    signature = second["signatures"][0]["sig"]
    second["signatures"][0]["sig"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    events = len(await ledger.events(election.scope))
    before = (await compute(election)).totals["cec"]
    with pytest.raises(PackageError) as refused:
        await import_package(ledger, election, write_package(content, key), trusted)
    message = str(refused.value)
    assert "nothing counted" in message
    assert first["protocol"]["precinct"] in message
    assert second["protocol"]["precinct"] in message
    assert len(await ledger.events(election.scope)) == events
    assert (await compute(election)).totals["cec"] == before


async def test_a_summary_carrying_a_repeat_protocol_supersedes_the_counted_one(
    urna_services, urna_keys, record_verifies
):
    ledger = urna_services.ledger
    generated = await generate_election(ledger, constituencies=2, precincts=6, abroad=0, members=5)
    election = generated.election
    rng = random.Random(6)  # noqa: S311 - made-up figures
    first, second, third = generated.precincts[:3]  # the precincts of con001
    entries = {
        p: signed_protocol(
            election,
            p,
            *az_protocol_values(rng, election.candidates),
            generated.member_keys(p),
        )
        for p in (first, second, third)
    }
    for precinct in (first, second):
        await accept_signed(ledger, election, entries[precinct], "api")
    # The constituency has since recounted the first precinct and received the third.
    counted = entries[first]["protocol"]
    votes = counted["votes"]
    donor, taker = max(votes, key=votes.get), min(votes, key=votes.get)
    moved = dict(votes, **{donor: votes[donor] - 1, taker: votes[taker] + 1})
    entries[first] = signed_protocol(
        election,
        first,
        counted["lines"],
        moved,
        generated.member_keys(first),
        supersedes=protocol_digest(counted).hex(),
        reason="recount: one ballot misassigned",
    )
    carried = [
        {**entries[p], "digest": protocol_digest(entries[p]["protocol"]).hex()}
        for p in (first, second, third)
    ]
    content = {
        "kind": "summary",
        "election": election.code,
        "commission": "con001",
        "protocols": carried,
        "totals": {
            "lines": {
                line: sum(e["protocol"]["lines"][line] for e in carried)
                for line in election.profile.line_ids
            },
            "votes": {c: sum(e["protocol"]["votes"][c] for e in carried) for c in votes},
            "received": 3,
        },
    }
    key = urna_keys("con001-appliance")
    answer = await import_package(
        ledger, election, write_package(content, key), {key.verify_key.hex(): "con001"}
    )
    assert answer["imported"] == 2  # the repeat protocol and the third; the second is counted
    rows = await models.Protocol.filter(election_id=election.id, precinct_code=first).order_by(
        "version"
    )
    assert [(r.version, r.current, r.source) for r in rows] == [
        (1, False, "signed"),
        (2, True, "package"),
    ]
    totals = (await compute(election)).totals["con001"]
    assert totals["received"] == 3
    assert totals["votes"] == content["totals"]["votes"]
    await record_verifies(ledger, election.scope)
