"""The encrypted tally and its threshold decryption.

The tally is the homomorphic sum of the verified cast ballots, one
ciphertext per contest option. Each guardian ``i`` publishes, for every
entry, its partial decryption ``M_i = s_i·alpha`` with a Chaum-Pedersen proof
against its public share ``K_i`` (:func:`decrypt_tally_share`). Any ``k``
verified shares combine with Lagrange coefficients at 0,

    lambda_i = prod_{j in S, j != i} x_j / (x_j - x_i)      M = sum_{i in S} lambda_i·M_i

to ``m·B = beta - M``, and ``m`` comes from the bounded discrete log, bounded
by the number of ballots (:func:`combine_tally_shares`). No secret is ever
reconstructed; a share whose proof fails is attributed to its guardian.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from urna.crypto import _json
from urna.crypto.ballot import EncryptedBallot, _check_shape
from urna.crypto.ceremony import MAX_GUARDIAN_ID, KeyShare
from urna.crypto.chaum_pedersen import ChaumPedersenProof, prove_decryption, verify_decryption
from urna.crypto.dlog import DiscreteLog
from urna.crypto.election import Election
from urna.crypto.elgamal import Ciphertext
from urna.crypto.errors import BallotError, DecryptionError, DlogBoundError, ProofError
from urna.crypto.group import IDENTITY, Point, Scalar
from urna.crypto.rng import RandBytes
from urna.crypto.transcript import Transcript

__all__ = [
    "MAX_BALLOTS",
    "EncryptedTally",
    "PartialDecryption",
    "TallyEntry",
    "TallyResult",
    "TallyShare",
    "combine_tally_shares",
    "decrypt_tally_share",
    "lagrange_coefficient",
    "tally_ballots",
    "verify_tally_result",
    "verify_tally_share",
]

MAX_BALLOTS = 2**40
_MAX_ENTRIES = 64 * 64


@attrs.frozen(slots=True)
class TallyEntry:
    """The encrypted count of one option."""

    contest_id: str
    selection_id: str
    ciphertext: Ciphertext

    def to_json(self) -> dict[str, Any]:
        return {
            "contest_id": self.contest_id,
            "selection_id": self.selection_id,
            "ciphertext": self.ciphertext.to_json(),
        }

    @classmethod
    def from_json(cls, value: object) -> TallyEntry:
        d = _json.obj(value, ("contest_id", "selection_id", "ciphertext"), "tally entry")
        return cls(
            _json.ident(d["contest_id"], "contest_id"),
            _json.ident(d["selection_id"], "selection_id"),
            Ciphertext.from_json(d["ciphertext"]),
        )


@attrs.frozen(slots=True)
class EncryptedTally:
    """One entry per option of every contest, in manifest order, and the number of ballots."""

    election_hash: bytes
    ballot_count: int
    entries: tuple[TallyEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "election_hash": self.election_hash.hex(),
            "ballot_count": self.ballot_count,
            "entries": [e.to_json() for e in self.entries],
        }

    @classmethod
    def from_json(cls, value: object) -> EncryptedTally:
        d = _json.obj(value, ("election_hash", "ballot_count", "entries"), "tally")
        return cls(
            _json.hexa(d["election_hash"], 32, "election_hash"),
            _json.integer(d["ballot_count"], "ballot_count", 0, MAX_BALLOTS),
            tuple(
                TallyEntry.from_json(e)
                for e in _json.array(d["entries"], "entries", 1, _MAX_ENTRIES)
            ),
        )


def _empty_entries(election: Election) -> list[tuple[str, str]]:
    return [(c.contest_id, o) for c in election.manifest.contests for o in c.options]


def tally_ballots(election: Election, ballots: Iterable[EncryptedBallot]) -> EncryptedTally:
    """Add the ciphertexts of cast ballots that the caller has verified (:func:`verify_ballot`).

    Checks each ballot's shape (election, contests, options) and that no
    ballot id repeats (``ballot.duplicate``); it does not re-check proofs.
    """
    ids = _empty_entries(election)
    alphas = [IDENTITY] * len(ids)
    betas = [IDENTITY] * len(ids)
    seen: set[bytes] = set()
    count = 0
    for ballot in ballots:
        _check_shape(ballot, election)
        if ballot.ballot_id in seen:
            raise BallotError("ballot.duplicate", "ballot id counted twice", ballot.ballot_id.hex())
        seen.add(ballot.ballot_id)
        i = 0
        for contest in ballot.contests:
            for s in contest.selections:
                alphas[i] = alphas[i] + s.ciphertext.alpha
                betas[i] = betas[i] + s.ciphertext.beta
                i += 1
        count += 1
    entries = tuple(
        TallyEntry(c, o, Ciphertext(a, b)) for (c, o), a, b in zip(ids, alphas, betas, strict=True)
    )
    return EncryptedTally(election.election_hash, count, entries)


def _check_tally(tally: EncryptedTally, election: Election) -> None:
    if tally.election_hash != election.election_hash:
        raise DecryptionError("tally.election", "tally is for another election")
    if [(e.contest_id, e.selection_id) for e in tally.entries] != _empty_entries(election):
        raise DecryptionError("tally.entries", "tally entries differ from the manifest")


@attrs.frozen(slots=True)
class PartialDecryption:
    """``M_i = s_i·alpha`` for one entry and its Chaum-Pedersen proof."""

    share: Point
    proof: ChaumPedersenProof

    def to_json(self) -> dict[str, Any]:
        return {"share": self.share.hex(), "proof": self.proof.to_json()}

    @classmethod
    def from_json(cls, value: object) -> PartialDecryption:
        d = _json.obj(value, ("share", "proof"), "partial decryption")
        return cls(Point.from_hex(d["share"]), ChaumPedersenProof.from_json(d["proof"]))


@attrs.frozen(slots=True)
class TallyShare:
    """A guardian's partial decryptions of every tally entry, in entry order."""

    guardian_id: int
    election_hash: bytes
    partials: tuple[PartialDecryption, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "guardian_id": self.guardian_id,
            "election_hash": self.election_hash.hex(),
            "partials": [p.to_json() for p in self.partials],
        }

    @classmethod
    def from_json(cls, value: object) -> TallyShare:
        d = _json.obj(value, ("guardian_id", "election_hash", "partials"), "tally share")
        return cls(
            _json.integer(d["guardian_id"], "guardian_id", 1, MAX_GUARDIAN_ID),
            _json.hexa(d["election_hash"], 32, "election_hash"),
            tuple(
                PartialDecryption.from_json(p)
                for p in _json.array(d["partials"], "partials", 1, _MAX_ENTRIES)
            ),
        )


def _decryption_transcript(
    election_hash: bytes, guardian_id: int, contest_id: str, selection_id: str
) -> Transcript:
    t = Transcript("partial-decryption")
    t.add_bytes("election_hash", election_hash)
    t.add_int("guardian_id", guardian_id)
    t.add_text("contest_id", contest_id)
    t.add_text("selection_id", selection_id)
    return t


def decrypt_tally_share(
    key_share: KeyShare, election: Election, tally: EncryptedTally, randbytes: RandBytes
) -> TallyShare:
    """Guardian's partial decryption of every entry, each with its proof."""
    _check_tally(tally, election)
    gid = key_share.guardian_id
    public = election.public_shares[gid]
    if Point.base_mul(key_share.value) != public:
        raise ValueError("key share does not match the guardian's public share")
    partials = []
    for e in tally.entries:
        m_i = e.ciphertext.alpha * key_share.value
        t = _decryption_transcript(election.election_hash, gid, e.contest_id, e.selection_id)
        proof = prove_decryption(key_share.value, public, e.ciphertext, m_i, t, randbytes)
        partials.append(PartialDecryption(m_i, proof))
    return TallyShare(gid, election.election_hash, tuple(partials))


def verify_tally_share(share: TallyShare, election: Election, tally: EncryptedTally) -> None:
    """Raise :class:`DecryptionError` naming the guardian unless every partial is proven.

    Checks: ``decryption.guardian`` (a known guardian), ``decryption.election``,
    ``decryption.entries`` (one partial per entry), ``decryption.proof``.
    """
    where = f"guardian {share.guardian_id}"
    _check_tally(tally, election)
    if share.guardian_id not in election.public_shares:
        raise DecryptionError("decryption.guardian", "not a guardian of this election", where)
    if share.election_hash != election.election_hash:
        raise DecryptionError("decryption.election", "share is for another election", where)
    if len(share.partials) != len(tally.entries):
        raise DecryptionError("decryption.entries", "need one partial per tally entry", where)
    public = election.public_shares[share.guardian_id]
    for e, p in zip(tally.entries, share.partials, strict=True):
        t = _decryption_transcript(
            election.election_hash, share.guardian_id, e.contest_id, e.selection_id
        )
        try:
            verify_decryption(p.proof, public, e.ciphertext, p.share, t, check="decryption.proof")
        except ProofError:
            raise DecryptionError(
                "decryption.proof",
                "partial decryption proof does not verify",
                f"{where}, contest {e.contest_id}, selection {e.selection_id}",
            ) from None


def lagrange_coefficient(guardian_id: int, guardian_ids: Sequence[int]) -> Scalar:
    """``prod_{j != i} x_j / (x_j - x_i)``: the weight of ``x_i``'s share at 0."""
    num = Scalar.from_int(1)
    den = Scalar.from_int(1)
    for j in guardian_ids:
        if j != guardian_id:
            num = num * Scalar.from_int(j)
            den = den * Scalar.from_int(j - guardian_id)
    return num * den.inverse()


@attrs.frozen(slots=True)
class TallyResult:
    """The decrypted counts, one per tally entry: ``(contest_id, selection_id, count)``."""

    election_hash: bytes
    ballot_count: int
    counts: tuple[tuple[str, str, int], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "election_hash": self.election_hash.hex(),
            "ballot_count": self.ballot_count,
            "counts": [{"contest_id": c, "selection_id": s, "count": n} for c, s, n in self.counts],
        }

    @classmethod
    def from_json(cls, value: object) -> TallyResult:
        d = _json.obj(value, ("election_hash", "ballot_count", "counts"), "tally result")
        ballot_count = _json.integer(d["ballot_count"], "ballot_count", 0, MAX_BALLOTS)
        counts = []
        for item in _json.array(d["counts"], "counts", 1, _MAX_ENTRIES):
            c = _json.obj(item, ("contest_id", "selection_id", "count"), "count")
            counts.append(
                (
                    _json.ident(c["contest_id"], "contest_id"),
                    _json.ident(c["selection_id"], "selection_id"),
                    _json.integer(c["count"], "count", 0, ballot_count),
                )
            )
        return cls(_json.hexa(d["election_hash"], 32, "election_hash"), ballot_count, tuple(counts))


def combine_tally_shares(
    election: Election,
    tally: EncryptedTally,
    shares: Sequence[TallyShare],
    dlog: DiscreteLog | None = None,
) -> TallyResult:
    """Verify every share (attributing a bad one), Lagrange-combine them, solve the counts.

    Needs at least ``quorum`` shares from distinct guardians
    (``decryption.quorum``); any such set gives the same result. ``dlog``
    defaults to a table bounded by the number of ballots; a count past the
    bound raises ``decryption.dlog``.
    """
    ids = [s.guardian_id for s in shares]
    if len(set(ids)) != len(ids):
        raise DecryptionError("decryption.quorum", "a guardian's share is given twice")
    if len(ids) < election.parameters.quorum:
        raise DecryptionError(
            "decryption.quorum", f"need {election.parameters.quorum} shares, got {len(ids)}"
        )
    for share in shares:
        verify_tally_share(share, election, tally)
    weights = [lagrange_coefficient(i, ids) for i in ids]
    solver = dlog if dlog is not None else DiscreteLog(tally.ballot_count)
    counts = []
    for n, e in enumerate(tally.entries):
        combined = IDENTITY
        for w, share in zip(weights, shares, strict=True):
            combined = combined + share.partials[n].share * w
        try:
            count = solver.solve(e.ciphertext.beta - combined)
        except DlogBoundError:
            raise DecryptionError(
                "decryption.dlog",
                f"count not within 0..{solver.bound}",
                f"contest {e.contest_id}, selection {e.selection_id}",
            ) from None
        if count > tally.ballot_count:
            raise DecryptionError(
                "decryption.dlog",
                "count exceeds the number of ballots",
                f"contest {e.contest_id}, selection {e.selection_id}",
            )
        counts.append((e.contest_id, e.selection_id, count))
    return TallyResult(election.election_hash, tally.ballot_count, tuple(counts))


def verify_tally_result(
    result: TallyResult,
    election: Election,
    tally: EncryptedTally,
    shares: Sequence[TallyShare],
) -> None:
    """Recombine from the published shares and raise ``result.mismatch`` unless equal."""
    expected = combine_tally_shares(election, tally, shares)
    if result != expected:
        raise DecryptionError(
            "result.mismatch", "published result is not the decryption of the tally"
        )
