"""An adversarial corpus of ballots, made by mutating a few valid ones.

Every case is the body of a ``POST /-/elections/<scope>/ballots`` with the
status and check (or error text) the ballot box must answer. Mutations that
leave the ballot decodable are re-signed with a registered credential, so the
case reaches the check it aims at rather than stopping at the signature.

The election state the corpus expects (see :func:`build_corpus`): the
corpus ceremony, credentials of voters ``0..REGISTERED-1`` registered,
voters 0 and 1 have cast ``setup_ballots`` on ``booth-0``; ``booth-1`` has
cast nothing.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import point_corpus
from election_kit import MAYOR, Ceremony, credential_key, drbg, run_ceremony
from urna.crypto.ballot import (
    BallotSecrets,
    EncryptedBallot,
    SignedBallot,
    encrypt_ballot,
    initial_code,
    sign_ballot,
    verify_signed_ballot,
)
from urna.crypto.disjunctive import prove_disjunctive
from urna.crypto.group import IDENTITY, L, Scalar
from urna.crypto.signing import SigningKey
from urna.crypto.transcript import Transcript

SEED = "corpus"
REGISTERED = 16
BASES = range(2, 10)  # voters whose unsent ballots are mutated
# The point corpus (tests/crypto/point_corpus.py) as hex, as a ballot carries points.
SMALL_ORDER = [raw.hex() for raw in point_corpus.SMALL_ORDER_NON_IDENTITY]
NON_CANONICAL = [raw.hex() for raw in point_corpus.NON_CANONICAL + point_corpus.NEGATIVE_ZERO]
MIXED_ORDER = [raw.hex() for raw in point_corpus.MIXED_ORDER]


def off_curve(count: int) -> list[str]:
    return [raw.hex() for raw in point_corpus.off_curve(count)]


@attrs.frozen
class Case:
    category: str
    body: bytes
    status: int
    check: str | None = None  # the refusal's check id
    error: str | None = None  # or a fragment of the error text (JSON parse refusals)


@attrs.frozen
class Base:
    voter: int
    key: SigningKey
    signed: SignedBallot
    secrets: BallotSecrets

    @property
    def json(self) -> dict[str, Any]:
        return self.signed.to_json()


@attrs.define
class Corpus:
    ceremony: Ceremony
    setup_ballots: list[SignedBallot]
    bases: list[Base]
    cases: list[Case]


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _resign(ballot_json: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    ballot = EncryptedBallot.from_json(ballot_json)
    return {"ballot": ballot_json, "signature": key.sign(ballot.signing_bytes()).hex()}


def _bump(hex_scalar: str) -> str:
    return (Scalar.from_hex(hex_scalar) + Scalar.from_int(1)).hex()


def build_corpus() -> Corpus:
    ceremony = run_ceremony(3, 2, MAYOR, SEED, election_id="corpus")
    election = ceremony.election
    h_e = election.election_hash
    rand = drbg(f"{SEED}:ballots")
    setup: list[SignedBallot] = []
    code = initial_code(h_e, "booth-0")
    for voter in (0, 1):
        key = credential_key(SEED, voter)
        ballot, _ = encrypt_ballot(
            election, {"mayor": ["alice"]}, "booth-0", key.verify_key, code, rand
        )
        setup.append(sign_ballot(ballot, key))
        code = ballot.confirmation_code()
    bases = []
    for voter in BASES:
        key = credential_key(SEED, voter)
        ballot, secrets = encrypt_ballot(
            election,
            {"mayor": [MAYOR.contests[0].options[voter % 4]]},
            "booth-1",
            key.verify_key,
            initial_code(h_e, "booth-1"),
            rand,
        )
        signed = sign_ballot(ballot, key)
        verify_signed_ballot(signed, election)  # every base is valid: the mutation is the fault
        bases.append(Base(voter, key, signed, secrets))
    corpus = Corpus(ceremony, setup, bases, [])
    for make in CATEGORIES:
        corpus.cases.extend(make(corpus))
    return corpus


# -- categories -----------------------------------------------------------------------------

Maker = Callable[[Corpus], Iterator[Case]]
CATEGORIES: list[Maker] = []


def category(function: Maker) -> Maker:
    CATEGORIES.append(function)
    return function


def _selections(b: dict[str, Any]) -> list[dict[str, Any]]:
    sels: list[dict[str, Any]] = b["ballot"]["contests"][0]["selections"]
    return sels


def _mutated(base: Base, change: Callable[[dict[str, Any]], None], resign: bool = True) -> bytes:
    ballot = copy.deepcopy(base.json["ballot"])
    change(ballot)
    if resign:
        return _dumps(_resign(ballot, base.key))
    return _dumps({"ballot": ballot, "signature": base.json["signature"]})


@category
def bad_selection_proof_fields(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        for s in range(4):
            for branch in range(2):
                for fld in ("challenges", "responses"):

                    def change(
                        b: dict[str, Any], s: int = s, branch: int = branch, fld: str = fld
                    ) -> None:
                        proof = b["contests"][0]["selections"][s]["proof"]
                        proof[fld][branch] = _bump(proof[fld][branch])

                    yield Case(
                        "bad-selection-proof-field", _mutated(base, change), 422, "selection.proof"
                    )


@category
def bad_range_proof_fields(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        for branch in range(2):
            for fld in ("challenges", "responses"):

                def change(b: dict[str, Any], branch: int = branch, fld: str = fld) -> None:
                    proof = b["contests"][0]["proof"]
                    proof[fld][branch] = _bump(proof[fld][branch])

                yield Case("bad-range-proof-field", _mutated(base, change), 422, "contest.proof")


def _weak_transcripts(h_e: bytes, base: Base, option: str) -> list[Transcript]:
    """Transcripts that omit part of the statement, as weak Fiat-Shamir provers do."""
    raw_id = base.signed.ballot.ballot_id
    cred = base.key.verify_key.raw
    out = []
    t = Transcript("selection")  # nothing bound: Helios-style
    out.append(t)
    t = Transcript("selection")
    t.add_bytes("election_hash", h_e)  # no credential, no ballot id
    t.add_text("contest_id", "mayor")
    t.add_text("selection_id", option)
    out.append(t)
    t = Transcript("selection")
    t.add_bytes("election_hash", h_e)
    t.add_bytes("credential", cred)  # no ballot id
    t.add_text("contest_id", "mayor")
    t.add_text("selection_id", option)
    out.append(t)
    t = Transcript("selection")
    t.add_bytes("election_hash", h_e)
    t.add_bytes("credential", cred)
    t.add_bytes("ballot_id", raw_id)
    t.add_text("contest_id", "mayor")  # no selection id: a proof for any option
    out.append(t)
    t = Transcript("contest")  # another proof's domain
    t.add_bytes("election_hash", h_e)
    t.add_bytes("credential", cred)
    t.add_bytes("ballot_id", raw_id)
    t.add_text("contest_id", "mayor")
    out.append(t)
    return out


@category
def weak_fiat_shamir(c: Corpus) -> Iterator[Case]:
    election = c.ceremony.election
    rand = drbg(f"{SEED}:weak")
    for base in c.bases:
        for s in (0, 3):
            sel = base.signed.ballot.contests[0].selections[s]
            vote, nonce = base.secrets.votes[0][s]
            for t in _weak_transcripts(election.election_hash, base, sel.selection_id):
                proof = prove_disjunctive(
                    sel.ciphertext, vote, nonce, election.joint_key, 1, t, rand
                )

                def change(b: dict[str, Any], s: int = s, proof: Any = proof) -> None:
                    b["contests"][0]["selections"][s]["proof"] = proof.to_json()

                yield Case("weak-fiat-shamir", _mutated(base, change), 422, "selection.proof")


def _bad_point(category: str, base: Base, selection: int, part: str, raw: str) -> Case:
    """``base`` with the ``part`` of a selection's ciphertext replaced by ``raw``, not
    re-signed: the point is refused on entry, before the signature is checked."""

    def change(b: dict[str, Any]) -> None:
        b["contests"][0]["selections"][selection]["ciphertext"][part] = raw

    return Case(category, _mutated(base, change, resign=False), 422, "ballot.point")


@category
def non_canonical_points(c: Corpus) -> Iterator[Case]:
    for i, raw in enumerate(NON_CANONICAL):
        for part in ("alpha", "beta"):
            yield _bad_point("non-canonical-point", c.bases[i % len(c.bases)], 1, part, raw)


@category
def small_order_points(c: Corpus) -> Iterator[Case]:
    for raw in SMALL_ORDER:
        for base in c.bases[:4]:
            for part in ("alpha", "beta"):
                yield _bad_point("small-order-point", base, 2, part, raw)


@category
def mixed_order_points(c: Corpus) -> Iterator[Case]:
    for raw in MIXED_ORDER:
        for base in c.bases[:4]:
            for part in ("alpha", "beta"):
                yield _bad_point("mixed-order-point", base, 0, part, raw)


@category
def off_curve_points(c: Corpus) -> Iterator[Case]:
    for i, raw in enumerate(off_curve(40)):
        part = "alpha" if i % 2 else "beta"
        yield _bad_point("off-curve-point", c.bases[i % len(c.bases)], i % 4, part, raw)


@category
def identity_ciphertexts(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        for s in range(4):

            def change(b: dict[str, Any], s: int = s) -> None:
                b["contests"][0]["selections"][s]["ciphertext"]["alpha"] = IDENTITY.hex()

            yield Case("identity-ciphertext", _mutated(base, change), 422, "selection.proof")


@category
def scalars_at_or_above_l(c: Corpus) -> Iterator[Case]:
    values = [L, L + 1, 2 * L, 2**253, 2**255 - 1, 2**256 - 1]
    for i, v in enumerate(values * 12):
        base = c.bases[i % len(c.bases)]
        raw = v.to_bytes(32, "little").hex()

        def change(b: dict[str, Any], raw: str = raw, i: int = i) -> None:
            target = (
                b["contests"][0]["proof"]
                if i % 5 == 0
                else b["contests"][0]["selections"][i % 4]["proof"]
            )
            target["challenges" if i % 2 else "responses"][i % 2] = raw

        yield Case(
            "scalar-at-or-above-l", _mutated(base, change, resign=False), 422, "ballot.scalar"
        )


@category
def wrong_election(c: Corpus) -> Iterator[Case]:
    rng = random.Random(1)
    other = run_ceremony(3, 2, MAYOR, "another", election_id="corpus").election.election_hash
    for base in c.bases:
        for value in (other.hex(), rng.randbytes(32).hex(), "00" * 32):

            def change(b: dict[str, Any], value: str = value) -> None:
                b["election_hash"] = value

            yield Case("wrong-election", _mutated(base, change), 422, "ballot.election")


@category
def wrong_contest(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        for name in ("mayor2", "council", "president", "m"):

            def change(b: dict[str, Any], name: str = name) -> None:
                b["contests"][0]["contest_id"] = name

            yield Case("wrong-contest", _mutated(base, change), 422, "ballot.contests")

        def extra(b: dict[str, Any]) -> None:
            b["contests"].append(copy.deepcopy(b["contests"][0]))

        yield Case("wrong-contest", _mutated(base, extra), 422, "ballot.contests")


@category
def duplicate_selections(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        for src, dst in ((0, 1), (1, 2), (2, 3), (3, 0)):

            def change(b: dict[str, Any], src: int = src, dst: int = dst) -> None:
                sels = b["contests"][0]["selections"]
                sels[dst] = copy.deepcopy(sels[src])

            yield Case("duplicate-selection", _mutated(base, change), 422, "ballot.selections")

        def appended(b: dict[str, Any]) -> None:
            sels = b["contests"][0]["selections"]
            sels.append(copy.deepcopy(sels[0]))

        yield Case("duplicate-selection", _mutated(base, appended), 422, "ballot.selections")


@category
def missing_selections(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        for s in range(4):

            def change(b: dict[str, Any], s: int = s) -> None:
                del b["contests"][0]["selections"][s]

            yield Case("missing-selection", _mutated(base, change), 422, "ballot.selections")

        def renamed(b: dict[str, Any]) -> None:
            b["contests"][0]["selections"][1]["selection_id"] = "mallory"

        yield Case("missing-selection", _mutated(base, renamed), 422, "ballot.selections")


@category
def over_votes(c: Corpus) -> Iterator[Case]:
    """Two options each with a valid 0-or-1 proof under this ballot's id: only the
    range proof can refuse it (or a range proof for a bigger limit)."""
    election = c.ceremony.election
    options = MAYOR.contests[0].options
    rand = drbg(f"{SEED}:over")
    for base in c.bases[:6]:
        ballot = base.signed.ballot
        per_choice = {}
        for option in options:
            fixed = iter([ballot.ballot_id])

            def randbytes(n: int, fixed: Iterator[bytes] = fixed) -> bytes:
                value = next(fixed, None)
                return value if value is not None and n == 16 else rand(n)

            enc_b, secrets = encrypt_ballot(
                election,
                {"mayor": [option]},
                "booth-1",
                base.key.verify_key,
                ballot.previous_code,
                randbytes,
            )
            assert enc_b.ballot_id == ballot.ballot_id
            per_choice[option] = (enc_b, secrets)
        for i, first in enumerate(options):
            for second in options[i + 1 :]:
                b1, s1 = per_choice[first]
                b2, s2 = per_choice[second]
                sels = tuple(
                    b2.contests[0].selections[j] if o == second else b1.contests[0].selections[j]
                    for j, o in enumerate(options)
                )
                contest = attrs.evolve(b1.contests[0], selections=sels)
                over = attrs.evolve(b1, contests=(contest,))
                yield Case(
                    "over-vote", _dumps(sign_ballot(over, base.key).to_json()), 422, "contest.proof"
                )
                # the honest way to prove a sum of 2: a range proof for limit 2
                total_nonce = Scalar.from_int(0)
                for j, o in enumerate(options):
                    total_nonce = total_nonce + (s2 if o == second else s1).votes[0][j][1]
                t = Transcript("contest")
                t.add_bytes("election_hash", election.election_hash)
                t.add_bytes("credential", base.key.verify_key.raw)
                t.add_bytes("ballot_id", ballot.ballot_id)
                t.add_text("contest_id", "mayor")
                proof = prove_disjunctive(
                    contest.total(), 2, total_nonce, election.joint_key, 2, t, rand
                )
                over2 = attrs.evolve(over, contests=(attrs.evolve(contest, proof=proof),))
                yield Case(
                    "over-vote-limit",
                    _dumps(sign_ballot(over2, base.key).to_json()),
                    422,
                    "contest.limit",
                )


@category
def exact_replays(c: Corpus) -> Iterator[Case]:
    for signed in c.setup_ballots:
        body = signed.to_json()
        for i in range(20):
            yield Case("replay", _reencode(body, i), 409, "ballot.duplicate")


def _reencode(value: Any, variant: int) -> bytes:
    """The same JSON value in other bytes: whitespace, key order, escapes."""
    rng = random.Random(variant)

    def shuffle(v: Any) -> Any:
        if isinstance(v, dict):
            items = list(v.items())
            rng.shuffle(items)
            return {k: shuffle(x) for k, x in items}
        if isinstance(v, list):
            return [shuffle(x) for x in v]
        return v

    text = json.dumps(shuffle(value), indent=variant % 4 or None, ensure_ascii=True)
    if variant % 3 == 0:
        text = text.replace('"mayor"', '"\\u006dayor"')
    if variant % 5 == 1:
        text = text.replace('"booth-0"', '"\\u0062ooth-0"')
    return text.encode()


@category
def reencoded_replays(c: Corpus) -> Iterator[Case]:
    """A cast ballot's ciphertexts and proofs under a fresh id, credential, chain: refused
    as a replay before anything else (its proofs would fail too, being bound to the id)."""
    rng = random.Random(2)
    for signed in c.setup_ballots:
        for base in c.bases:

            def change(b: dict[str, Any], signed: SignedBallot = signed) -> None:
                b["contests"] = copy.deepcopy(signed.to_json()["ballot"]["contests"])
                b["ballot_id"] = rng.randbytes(16).hex()

            yield Case("reencoded-replay", _mutated(base, change), 409, "ballot.replay")
    for signed in c.setup_ballots:
        for base in c.bases:
            for s in range(4):

                def copy_one(b: dict[str, Any], signed: SignedBallot = signed, s: int = s) -> None:
                    b["contests"][0]["selections"][s] = copy.deepcopy(
                        signed.to_json()["ballot"]["contests"][0]["selections"][s]
                    )

                yield Case("copied-selection", _mutated(base, copy_one), 409, "ballot.replay")


@category
def transplanted_proofs(c: Corpus) -> Iterator[Case]:
    for i, base in enumerate(c.bases):
        donor = c.bases[(i + 1) % len(c.bases)]
        for s in range(4):

            def from_other_ballot(b: dict[str, Any], s: int = s, donor: Base = donor) -> None:
                b["contests"][0]["selections"][s]["proof"] = copy.deepcopy(
                    donor.json["ballot"]["contests"][0]["selections"][s]["proof"]
                )

            yield Case(
                "transplanted-proof", _mutated(base, from_other_ballot), 422, "selection.proof"
            )

            def from_other_selection(b: dict[str, Any], s: int = s) -> None:
                sels = b["contests"][0]["selections"]
                sels[s]["proof"] = copy.deepcopy(sels[(s + 1) % 4]["proof"])

            yield Case(
                "transplanted-proof", _mutated(base, from_other_selection), 422, "selection.proof"
            )

        def range_from_other(b: dict[str, Any], donor: Base = donor) -> None:
            b["contests"][0]["proof"] = copy.deepcopy(donor.json["ballot"]["contests"][0]["proof"])

        yield Case(
            "transplanted-range-proof", _mutated(base, range_from_other), 422, "contest.proof"
        )


@category
def oversized_arrays(c: Corpus) -> Iterator[Case]:
    for i, size in enumerate((65, 66, 100, 200, 65, 129, 300, 400)):
        base = c.bases[i]
        sels = _selections(base.json)

        def many_selections(b: dict[str, Any], size: int = size, sels: Any = sels) -> None:
            b["contests"][0]["selections"] = [copy.deepcopy(sels[0])] * size

        yield Case(
            "oversized-array", _mutated(base, many_selections, resign=False), 422, "ballot.schema"
        )

        def many_contests(b: dict[str, Any], size: int = size) -> None:
            b["contests"] = [b["contests"][0]] * size

        yield Case(
            "oversized-array", _mutated(base, many_contests, resign=False), 422, "ballot.schema"
        )

        def many_branches(b: dict[str, Any], size: int = size) -> None:
            proof = b["contests"][0]["selections"][0]["proof"]
            proof["challenges"] = proof["challenges"] * (size // 2 + 1)

        yield Case(
            "oversized-array", _mutated(base, many_branches, resign=False), 422, "ballot.schema"
        )

        def many_range(b: dict[str, Any], size: int = size) -> None:
            proof = b["contests"][0]["proof"]
            proof["challenges"] = [proof["challenges"][0]] * (size + 1)  # 65 = limit 64: legal
            proof["responses"] = [proof["responses"][0]] * (size + 1)

        yield Case(
            "oversized-array", _mutated(base, many_range, resign=False), 422, "ballot.schema"
        )


@category
def oversized_bodies(c: Corpus) -> Iterator[Case]:
    """Past the appliance's request size limit (1 MiB): refused before any parsing."""
    for i, base in enumerate(c.bases[:4]):
        ballot = copy.deepcopy(base.json["ballot"])
        ballot["contests"] = ballot["contests"] * (500 + 100 * i)
        yield Case(
            "oversized-body", _dumps({"ballot": ballot, "signature": "00"}), 413, error="size limit"
        )


@category
def schema_violations(c: Corpus) -> Iterator[Case]:
    def variants(b: dict[str, Any]) -> list[Callable[[dict[str, Any]], Any]]:
        return [
            lambda s: s["ballot"].pop("device_id"),
            lambda s: s["ballot"].update(extra=1),
            lambda s: s.update(extra="x"),
            lambda s: s.pop("signature"),
            lambda s: s["ballot"].update(version="urna/v2"),
            lambda s: s["ballot"].update(version=True),
            lambda s: s["ballot"].update(ballot_id=s["ballot"]["ballot_id"].upper()),
            lambda s: s["ballot"].update(ballot_id=s["ballot"]["ballot_id"][:30]),
            lambda s: s["ballot"].update(ballot_id=int("1" * 10)),
            lambda s: s["ballot"].update(previous_code=None),
            lambda s: s["ballot"].update(device_id="Booth 1"),
            lambda s: s["ballot"].update(device_id=""),
            lambda s: s["ballot"].update(contests={}),
            lambda s: s["ballot"].update(contests=[]),
            lambda s: s["ballot"]["contests"][0].update(proof=[]),
            lambda s: s["ballot"]["contests"][0]["selections"][0].update(ciphertext="00" * 64),
            lambda s: s["ballot"]["contests"][0]["selections"][0]["ciphertext"].pop("beta"),
            lambda s: s["ballot"]["contests"][0]["selections"][0]["proof"].update(challenges=[]),
            lambda s: s.update(signature=s["signature"][:-2]),
            lambda s: s.update(signature=s["signature"].upper()),
        ]

    for base in c.bases[:3]:
        for mutate in variants(base.json):
            body = copy.deepcopy(base.json)
            mutate(body)
            yield Case("schema", _dumps(body), 422, "ballot.schema")
    for body in ([], "ballot", 1, None):
        yield Case("schema", _dumps(body), 400, error="JSON object")


@category
def invalid_credential_keys(c: Corpus) -> Iterator[Case]:
    for i, raw in enumerate(SMALL_ORDER + MIXED_ORDER + NON_CANONICAL[:10]):
        base = c.bases[i % len(c.bases)]

        def change(b: dict[str, Any], raw: str = raw) -> None:
            b["credential"] = raw

        yield Case(
            "invalid-credential-key", _mutated(base, change, resign=False), 422, "ballot.key"
        )


@category
def duplicate_json_keys(c: Corpus) -> Iterator[Case]:
    for i, base in enumerate(c.bases):
        text = _dumps(base.json).decode()
        for key in ("ballot_id", "credential", "signature", "contest_id", "alpha"):
            needle = f'"{key}":'
            at = text.index(needle)
            end = min(i for i in (text.find(",", at), text.find("}", at)) if i >= 0)
            dup = text[at:end] + ","
            yield Case(
                "duplicate-json-key", (text[:at] + dup + text[at:]).encode(), 400, error="duplicate"
            )
        if i < 2:
            yield Case(
                "duplicate-json-key",
                text.replace('{"ballot":', '{"signature":"00","ballot":', 1).encode(),
                400,
                error="duplicate",
            )


@category
def nan_and_floats(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        text = _dumps(base.json).decode()
        for token in ("NaN", "Infinity", "-Infinity", "1.0", "1e3"):
            mutated = text.replace('"version":"urna/v1"', f'"version":{token}', 1)
            yield Case("nan-or-float", mutated.encode(), 400)


@category
def invalid_utf8(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        text = _dumps(base.json)
        for bad in (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"):
            yield Case("invalid-utf8", text.replace(b'"booth-1"', b'"booth-' + bad + b'"', 1), 400)
        yield Case("invalid-utf8", b"\xef\xbb\xbf" + text, 400)


@category
def unregistered_credentials(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        for n in range(3):
            stranger = credential_key(SEED, 1000 + n)

            def change(b: dict[str, Any], stranger: SigningKey = stranger) -> None:
                b["credential"] = stranger.verify_key.hex()

            ballot = copy.deepcopy(base.json["ballot"])
            change(ballot)
            yield Case(
                "unregistered-credential",
                _dumps(_resign(ballot, stranger)),
                422,
                "ballot.credential",
            )


@category
def bad_signatures(c: Corpus) -> Iterator[Case]:
    for base in c.bases:
        sig = bytes.fromhex(base.json["signature"])
        for position in (0, 5, 31, 32, 40, 63):
            flipped = bytearray(sig)
            flipped[position] ^= 0x01
            body = {**base.json, "signature": bytes(flipped).hex()}
            yield Case("bad-signature", _dumps(body), 422, "ballot.signature")
        other = credential_key(SEED, (base.voter + 1) % len(BASES) + 2)
        body = {**base.json, "signature": other.sign(base.signed.ballot.signing_bytes()).hex()}
        yield Case("bad-signature", _dumps(body), 422, "ballot.signature")
        # a field changed after signing
        changed = {**base.json["ballot"], "ballot_id": "00" * 16}
        yield Case(
            "bad-signature",
            _dumps({"ballot": changed, "signature": base.json["signature"]}),
            422,
            "ballot.signature",
        )


@category
def broken_chains(c: Corpus) -> Iterator[Case]:
    rng = random.Random(3)
    h_e = c.ceremony.election.election_hash
    for base in c.bases:
        for value in (
            rng.randbytes(32).hex(),
            initial_code(h_e, "booth-0").hex(),
            c.setup_ballots[0].ballot.confirmation_code().hex(),
            "00" * 32,
        ):

            def change(b: dict[str, Any], value: str = value) -> None:
                b["previous_code"] = value

            yield Case("broken-chain", _mutated(base, change), 409, "ballot.chain")

        def other_device(b: dict[str, Any]) -> None:
            b["device_id"] = "booth-0"

        yield Case("broken-chain", _mutated(base, other_device), 409, "ballot.chain")


@category
def credentials_already_used(c: Corpus) -> Iterator[Case]:
    for voter in (0, 1):
        used = credential_key(SEED, voter)
        for base in c.bases:
            ballot = copy.deepcopy(base.json["ballot"])
            ballot["credential"] = used.verify_key.hex()
            yield Case(
                "credential-used", _dumps(_resign(ballot, used)), 409, "ballot.credential-used"
            )
