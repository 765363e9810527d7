"""The observer's checks of a secret-ballot election in a record (``election.*``).

They cover the ground of ElectionGuard 2.1's verification steps for Urna's
group (``docs/verifier.md`` maps each check to that ground): parameters,
guardian keys and proofs, joint key, base hash, confirmations, ballot ids,
ballot shape, selection proofs, contest limits, confirmation-code chains,
eligibility, aggregation, partial decryptions, combination, result and
challenged ballots, plus the order of the steps. A scope with no election
passes them all trivially.

The per-ballot work (decoding, signature, proofs, re-encryption of challenged
ballots, confirmation codes, partial sums for the aggregation) runs once per
record through ``context.map`` in chunks, so ``urna verify --jobs N`` spreads
it over N processes; the checks then read the shared results.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from urna.crypto.ballot import (
    ChallengedBallot,
    initial_code,
    verify_ballot,
    verify_challenged_ballot,
)
from urna.crypto.ceremony import GuardianPublicKey, check_guardian_key, joint_key
from urna.crypto.election import Election, make_election
from urna.crypto.elgamal import Ciphertext
from urna.crypto.errors import CryptoError, SignatureError, VerificationError
from urna.crypto.group import IDENTITY, Point
from urna.crypto.manifest import ElectionParameters
from urna.crypto.tally import (
    EncryptedTally,
    TallyEntry,
    TallyResult,
    TallyShare,
    combine_tally_shares,
    verify_tally_share,
)
from urna.record import election_events as ev
from urna.record.event import Event
from urna.verify.check import CheckContext, Failure, VerifierCheck
from urna.verify.record_view import RecordView, per_record

__all__ = [
    "ELECTION_CHECKS",
    "ballot_payload_failures",
    "election_analysis",
    "parsed_or_none",
    "verify_ballot_chunk",
]

BALLOT_CHUNK = 64

_CRYPTO_TO_CHECK = {
    "ballot.signature": "election.eligibility",
    "ballot.election": "election.ballot-shape",
    "ballot.contests": "election.ballot-shape",
    "ballot.selections": "election.ballot-shape",
    "contest.limit": "election.contest-limits",
    "contest.proof": "election.contest-limits",
    "selection.proof": "election.selection-proofs",
    "challenge.reveal": "election.challenged-ballots",
    "challenge.limit": "election.challenged-ballots",
}

# -- per-ballot work, in worker processes --------------------------------------------------

_ELECTIONS: dict[str, Election] = {}


def _election_from(election_json: dict[str, Any]) -> Election:
    key = election_json["election_hash"]
    election = _ELECTIONS.get(key)
    if election is None:
        election = _ELECTIONS[key] = Election.from_json(election_json)
    return election


BallotItem = tuple[int, bool, dict[str, Any]]
"""``(event index, cast?, payload)``."""

BallotOutcome = tuple[int, str | None, list[tuple[str, str]], str | None]
"""``(event index, computed confirmation code or None, [(check id, message)],
payload error or None)``."""

ChunkResult = tuple[list[BallotOutcome], list[tuple[bytes, bytes]]]


def verify_ballot_chunk(job: tuple[dict[str, Any] | None, Sequence[BallotItem]]) -> ChunkResult:
    """Validate the payloads of a chunk of cast and challenged ballots (exactly what
    their event types' validators do), then, given the election, verify each ballot
    and sum the well-formed cast ones.

    Module-level and fed only plain data, so that it runs in worker processes.
    """
    election_json, items = job
    election = None if election_json is None else _election_from(election_json)
    size = 0 if election is None else sum(len(c.options) for c in election.manifest.contests)
    alphas = [IDENTITY] * size
    betas = [IDENTITY] * size
    outcomes: list[BallotOutcome] = []
    for index, cast, payload in items:
        errors: list[tuple[str, str]] = []
        challenged: ChallengedBallot | None = None
        try:
            if cast:
                signed = ev.read_cast(payload, proof_check=True)
            else:
                signed, challenged = ev.read_challenged(payload)
        except ValueError as exc:
            error = str(exc)
            outcomes.append(
                (index, None, [("election.ballot-shape", f"undecodable: {error}")], error)
            )
            continue
        ballot = signed.ballot
        if election is None:
            outcomes.append((index, None, errors, None))
            continue
        try:
            ballot.credential.verify(ballot.signing_bytes(), signed.signature)
        except SignatureError:
            errors.append(("election.eligibility", "ballot is not signed by its credential"))
        try:
            if challenged is None:
                verify_ballot(ballot, election)
            else:
                verify_challenged_ballot(challenged, election)
        except VerificationError as exc:
            errors.append((_CRYPTO_TO_CHECK.get(exc.check, "election.ballot-shape"), str(exc)))
        shape_ok = not any(check == "election.ballot-shape" for check, _ in errors)
        if cast and shape_ok:
            i = 0
            for contest in ballot.contests:
                for selection in contest.selections:
                    alphas[i] = alphas[i] + selection.ciphertext.alpha
                    betas[i] = betas[i] + selection.ciphertext.beta
                    i += 1
        outcomes.append((index, ballot.confirmation_code().hex(), errors, None))
    return outcomes, [(a.encode(), b.encode()) for a, b in zip(alphas, betas, strict=True)]


# -- the election as recorded -------------------------------------------------------------


@attrs.define
class _Analysis:
    """Election events of a record, parsed, and the results of the per-ballot work."""

    created: list[tuple[Event, ElectionParameters | None]] = attrs.Factory(list)
    guardians: list[tuple[Event, GuardianPublicKey | None]] = attrs.Factory(list)
    keys: list[Event] = attrs.Factory(list)
    confirmations: list[Event] = attrs.Factory(list)
    opened: list[Event] = attrs.Factory(list)
    credentials: dict[str, Event] = attrs.Factory(dict)
    ballots: list[tuple[Event, bool]] = attrs.Factory(list)
    tallies: list[tuple[Event, EncryptedTally | None]] = attrs.Factory(list)
    shares: list[tuple[Event, TallyShare | None]] = attrs.Factory(list)
    results: list[tuple[Event, TallyResult | None]] = attrs.Factory(list)
    election: Election | None = None
    election_error: str = ""
    outcomes: list[BallotOutcome] = attrs.Factory(list)
    sums: list[tuple[Point, Point]] = attrs.Factory(list)
    ballot_work: Iterator[ChunkResult] | None = None
    combined: TallyResult | str | None = None
    ballot_work_done: bool = False

    @property
    def present(self) -> bool:
        return bool(self.created or self.guardians or self.keys or self.ballots or self.tallies)

    @property
    def parameters(self) -> ElectionParameters | None:
        return self.created[0][1] if self.created else None


def parsed_or_none(reader: Callable[[Any], Any], value: Any) -> Any:
    """``reader(value)``, or None when it does not decode: the check that needs the value
    reports the problem where it belongs (``record.payloads`` names the decoding error)."""
    try:
        return reader(value)
    except (CryptoError, ValueError, TypeError, KeyError):
        return None


def _build(record: RecordView) -> _Analysis:
    a = _Analysis()
    for event in record.events:
        p = event.payload
        kind = event.type
        if kind == "core.signer_registered" and p.get("role") == ev.CREDENTIAL_ROLE:
            key = p.get("key")
            if isinstance(key, str):
                a.credentials.setdefault(key, event)
        elif kind == ev.ELECTION_CREATED:
            a.created.append(
                (event, parsed_or_none(ElectionParameters.from_json, p.get("parameters")))
            )
        elif kind == ev.ELECTION_GUARDIAN_KEY:
            a.guardians.append((event, parsed_or_none(ev.guardian_key_from_payload, p)))
        elif kind == ev.ELECTION_KEY:
            a.keys.append(event)
        elif kind == ev.ELECTION_GUARDIAN_CONFIRMED:
            a.confirmations.append(event)
        elif kind == ev.ELECTION_OPENED:
            a.opened.append(event)
        elif kind in (ev.BALLOT_CAST, ev.BALLOT_CHALLENGED):
            a.ballots.append((event, kind == ev.BALLOT_CAST))
        elif kind == ev.TALLY_COMPUTED:
            a.tallies.append((event, parsed_or_none(EncryptedTally.from_json, p.get("tally"))))
        elif kind == ev.TALLY_SHARE:
            a.shares.append((event, parsed_or_none(TallyShare.from_json, p.get("share"))))
        elif kind == ev.TALLY_DECRYPTED:
            a.results.append((event, parsed_or_none(TallyResult.from_json, p.get("result"))))
    params = a.parameters
    keys = [k for _, k in a.guardians if k is not None]
    if params is None:
        a.election_error = "no valid election parameters"
    elif len(keys) != len(a.guardians):
        a.election_error = "a guardian key is malformed"
    else:
        try:
            a.election = make_election(params, keys)
        except CryptoError as exc:
            a.election_error = f"the guardians' key material is invalid: {exc}"
    return a


election_analysis = per_record(_build)
"""The election events of a record, parsed once per record (the ceremony checks read it
too), with the results of the per-ballot work once it has run."""


def _start_ballot_work(record: RecordView, context: CheckContext) -> None:
    """Submit the per-ballot work (once per record), so that worker processes verify
    ballots while the main process runs the quick checks; see :func:`_with_ballots`."""
    a = election_analysis(record)
    if a.ballot_work is not None or a.ballot_work_done:
        return
    election_json = a.election.to_json() if a.election is not None else None
    items: list[BallotItem] = [(i, cast, e.payload) for i, (e, cast) in enumerate(a.ballots)]
    chunks = [
        (election_json, items[i : i + BALLOT_CHUNK]) for i in range(0, len(items), BALLOT_CHUNK)
    ]
    a.ballot_work = context.map(verify_ballot_chunk, chunks)


def _with_ballots(record: RecordView, context: CheckContext) -> _Analysis:
    """The analysis with the per-ballot work done (once per record, over ``context.map``).

    Without a valid election only the payloads are validated."""
    a = election_analysis(record)
    if a.ballot_work_done:
        return a
    _start_ballot_work(record, context)
    # Taken, not borrowed: if a worker fails half-way, the next check starts afresh
    # instead of reading the rest of a half-consumed stream as if it were all.
    work, a.ballot_work = a.ballot_work, None
    assert work is not None
    size = 0 if a.election is None else sum(len(c.options) for c in a.election.manifest.contests)
    alphas = [IDENTITY] * size
    betas = [IDENTITY] * size
    outcomes: list[BallotOutcome] = []
    for chunk_outcomes, sums in work:
        outcomes.extend(chunk_outcomes)
        for n, (alpha, beta) in enumerate(sums):
            alphas[n] = alphas[n] + Point.decode(alpha)
            betas[n] = betas[n] + Point.decode(beta)
    a.outcomes = outcomes
    a.sums = list(zip(alphas, betas, strict=True))
    a.ballot_work_done = True
    return a


def ballot_payload_failures(record: RecordView, context: CheckContext) -> Iterator[Failure]:
    """``record.payloads`` failures of the ballot events, from the shared per-ballot work:
    the same validation as their validators, done once and in parallel."""
    a = election_analysis(record)
    if not a.ballots:
        return
    a = _with_ballots(record, context)
    for index, _code, _errors, payload_error in a.outcomes:
        if payload_error is not None:
            yield Failure(
                "record.payloads", a.ballots[index][0].where, f"invalid payload: {payload_error}"
            )


def _no_election(check: str, a: _Analysis) -> Iterator[Failure]:
    """One failure when the election cannot be rebuilt, so nothing downstream passes unseen."""
    yield Failure(
        check, a.created[0][0].where if a.created else "", f"cannot check: {a.election_error}"
    )


def _ballot_where(event: Event) -> str:
    ballot = event.payload.get("ballot")
    inner = ballot.get("ballot") if isinstance(ballot, dict) else None
    ballot_id = inner.get("ballot_id") if isinstance(inner, dict) else None
    return f"{event.where}, ballot {ballot_id}"


def _inner(event: Event) -> dict[str, Any]:
    ballot = event.payload.get("ballot")
    inner = ballot.get("ballot") if isinstance(ballot, dict) else None
    return inner if isinstance(inner, dict) else {}


# -- the checks -----------------------------------------------------------------------------


def check_sequence(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The election's steps come in order, each once where once is required: created;
    the n guardian keys; the joint key; confirmations; credentials registered before
    voting opens; opened; ballots; the tally (closing voting); shares; one result."""
    fail = functools.partial(Failure, "election.sequence")
    a = election_analysis(record)
    if not a.present:
        return
    stage = 0  # 0 none, 1 created, 2 keyed, 3 open, 4 tallied, 5 decrypted
    allowed = {
        ev.ELECTION_CREATED: (0,),
        ev.ELECTION_GUARDIAN_KEY: (1,),
        ev.ELECTION_KEY: (1,),
        ev.ELECTION_GUARDIAN_CONFIRMED: (2,),
        ev.ELECTION_OPENED: (2,),
        ev.BALLOT_CAST: (3,),
        ev.BALLOT_CHALLENGED: (3,),
        ev.TALLY_COMPUTED: (3,),
        ev.TALLY_SHARE: (4,),
        ev.TALLY_DECRYPTED: (4,),
    }
    advance = {
        ev.ELECTION_CREATED: 1,
        ev.ELECTION_KEY: 2,
        ev.ELECTION_OPENED: 3,
        ev.TALLY_COMPUTED: 4,
        ev.TALLY_DECRYPTED: 5,
    }
    for event in record.events:
        if event.type == "core.signer_registered":
            if event.payload.get("role") == ev.CREDENTIAL_ROLE and stage not in (1, 2):
                yield fail(
                    event.where,
                    "ballot credential registered outside setup "
                    "(after creation, before voting opens)",
                )
            continue
        if event.type not in allowed:
            continue
        if stage not in allowed[event.type]:
            yield fail(event.where, f"{event.type} is out of order")
        stage = max(stage, advance.get(event.type, stage))
    if a.parameters is not None and len(a.guardians) != a.parameters.guardians:
        yield fail(
            a.created[0][0].where,
            f"{len(a.guardians)} guardian keys recorded, {a.parameters.guardians} expected",
        )


def check_parameters(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Exactly one election is created in the scope, with valid parameters
    (id, 1 <= k <= n, contests with limits within their options)."""
    fail = functools.partial(Failure, "election.parameters")
    a = election_analysis(record)
    if not a.present:
        return
    if not a.created:
        yield fail(record.scope, "election events without core.election_created")
    for event, _params in a.created[1:]:
        yield fail(event.where, "a second election in the same scope")
    for event, params in a.created[:1]:
        if params is None:
            yield fail(event.where, "parameters do not decode")


def check_guardian_keys(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """n guardians with distinct nonzero ids; each has k commitments, none the identity,
    each with a valid Schnorr proof of possession; valid Box and Ed25519 keys."""
    fail = functools.partial(Failure, "election.guardian-keys")
    a = election_analysis(record)
    params = a.parameters
    if params is None:
        return
    ph = params.parameters_hash()
    seen: set[int] = set()
    for event, key in a.guardians:
        if key is None:
            yield fail(event.where, "guardian key does not decode")
            continue
        if key.guardian_id in seen:
            yield fail(event.where, f"guardian id {key.guardian_id} appears twice")
        seen.add(key.guardian_id)
        try:
            check_guardian_key(key, params.quorum, ph)
        except VerificationError as exc:
            yield fail(event.where, str(exc))
    if len(a.guardians) != params.guardians:
        yield fail(
            a.created[0][0].where,
            f"{len(a.guardians)} guardian keys, parameters say {params.guardians}",
        )


def check_joint_key(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The recorded joint key is the sum of the guardians' constant-term commitments
    K = sum_i K_i0, and not the identity."""
    fail = functools.partial(Failure, "election.joint-key")
    a = election_analysis(record)
    if not a.present or (not a.keys and not a.opened and not a.ballots):
        return
    if len(a.keys) != 1:
        yield fail(record.scope, f"{len(a.keys)} core.election_key events, expected 1")
        if not a.keys:
            return
    keys = [k for _, k in a.guardians if k is not None]
    if not keys:
        yield fail(a.keys[0].where, "no guardian keys to add up")
        return
    expected = joint_key(keys)
    if expected.is_identity():
        yield fail(a.keys[0].where, "joint key is the identity")
    if a.keys[0].payload.get("joint_key") != expected.hex():
        yield fail(a.keys[0].where, "joint key is not the sum of the guardians' commitments")


def check_base_hash(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The recorded election base hash H_E is recomputed from the parameters hash, every
    guardian's key material and the joint key; the opening, tally, shares and result
    name the same H_E."""
    fail = functools.partial(Failure, "election.base-hash")
    a = election_analysis(record)
    if not a.keys:
        return
    if a.election is None:
        yield from _no_election("election.base-hash", a)
        return
    h_e = a.election.election_hash.hex()
    if a.keys[0].payload.get("election_hash") != h_e:
        yield fail(a.keys[0].where, "recorded base hash differs from the recomputed H_E")
    for event in a.opened:
        if event.payload.get("election_hash") != h_e:
            yield fail(event.where, "opening names another base hash")
    named: list[tuple[Event, Any]] = [
        *((e, t.election_hash) for e, t in a.tallies if t is not None),
        *((e, s.election_hash) for e, s in a.shares if s is not None),
        *((e, r.election_hash) for e, r in a.results if r is not None),
    ]
    for event, value in named:
        if value.hex() != h_e:
            yield fail(event.where, "names another base hash")


def _alphas(inner: dict[str, Any]) -> Iterator[str]:
    """Each selection's alpha as written in an undecoded ballot, skipping what is
    malformed (the ballot-shape check reports that; this check must not crash on it)."""
    contests = inner.get("contests")
    for contest in contests if isinstance(contests, list) else ():
        selections = contest.get("selections") if isinstance(contest, dict) else None
        for selection in selections if isinstance(selections, list) else ():
            ciphertext = selection.get("ciphertext") if isinstance(selection, dict) else None
            alpha = ciphertext.get("alpha") if isinstance(ciphertext, dict) else None
            if isinstance(alpha, str):
                yield alpha


def check_ballot_ids(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Every ballot id (cast or challenged) is unique, and no ciphertext of one ballot
    reappears in another (replays, copied selections)."""
    fail = functools.partial(Failure, "election.ballot-ids")
    a = election_analysis(record)
    ids: dict[str, str] = {}
    alphas: dict[str, str] = {}
    for event, _cast in a.ballots:
        inner = _inner(event)
        ballot_id = inner.get("ballot_id")
        if not isinstance(ballot_id, str):
            continue
        if ballot_id in ids:
            yield fail(_ballot_where(event), f"ballot id already used at {ids[ballot_id]}")
        ids.setdefault(ballot_id, event.where)
        for alpha in _alphas(inner):
            if alpha in alphas and alphas[alpha] != event.where:
                yield fail(
                    _ballot_where(event),
                    f"reuses a ciphertext of the ballot at {alphas[alpha]}",
                )
            alphas.setdefault(alpha, event.where)


def _ballot_check(
    check_id: str, doc: str
) -> Callable[[RecordView, CheckContext], Iterator[Failure]]:
    def run(record: RecordView, context: CheckContext) -> Iterator[Failure]:
        a = election_analysis(record)
        if not a.ballots:
            return
        if a.election is None:
            yield from _no_election(check_id, a)
            return
        a = _with_ballots(record, context)
        for index, _code, errors, _ in a.outcomes:
            where = _ballot_where(a.ballots[index][0])
            for check, message in errors:
                if check == check_id:
                    yield Failure(check_id, where, message)

    run.__doc__ = doc
    return run


def check_confirmation_codes(record: RecordView, context: CheckContext) -> Iterator[Failure]:
    """Each ballot's recorded confirmation code is H(previous_code || digest), and each
    device's ballots (cast and challenged, in record order) form one chain from
    H("urna.chain", H_E, device_id)."""
    fail = functools.partial(Failure, "election.confirmation-codes")
    a = election_analysis(record)
    if not a.ballots:
        return
    if a.election is None:
        yield from _no_election("election.confirmation-codes", a)
        return
    h_e = a.election.election_hash
    a = _with_ballots(record, context)
    last: dict[str, str] = {}
    for index, code, _errors, _ in a.outcomes:
        event = a.ballots[index][0]
        where = _ballot_where(event)
        if code is None:
            continue
        if event.payload.get("confirmation_code") != code:
            yield fail(where, "recorded confirmation code is not the ballot's")
        inner = _inner(event)
        device = inner.get("device_id")
        if not isinstance(device, str):
            continue
        expected = last.get(device) or initial_code(h_e, device).hex()
        if inner.get("previous_code") != expected:
            yield fail(where, f"previous code does not continue device {device}'s chain")
        last[device] = code


def check_eligibility(record: RecordView, context: CheckContext) -> Iterator[Failure]:
    """Every ballot is signed by a credential registered (role ballot-credential)
    before voting opened, and no credential has more than one cast ballot."""
    fail = functools.partial(Failure, "election.eligibility")
    a = election_analysis(record)
    if not a.ballots:
        return
    opened_seq = a.opened[0].seq if a.opened else -1
    used: dict[str, str] = {}
    for event, cast in a.ballots:
        credential = _inner(event).get("credential")
        where = _ballot_where(event)
        registered = a.credentials.get(credential) if isinstance(credential, str) else None
        if registered is None:
            yield fail(where, f"credential {credential} is not registered")
        elif registered.seq > opened_seq:
            yield fail(where, f"credential {credential} was registered after voting opened")
        if cast and isinstance(credential, str):
            if credential in used:
                yield fail(where, f"credential already cast the ballot at {used[credential]}")
            used.setdefault(credential, event.where)
    yield from _ballot_check("election.eligibility", "")(record, context)


def check_aggregation(record: RecordView, context: CheckContext) -> Iterator[Failure]:
    """The encrypted tally is the sum of the ciphertexts of exactly the cast ballots
    (challenged ballots excluded), per option in manifest order, with their count."""
    fail = functools.partial(Failure, "election.aggregation")
    a = election_analysis(record)
    if not a.tallies:
        if a.shares or a.results:
            yield fail(record.scope, "shares or result without a tally")
        return
    if len(a.tallies) > 1:
        yield fail(a.tallies[1][0].where, "a second tally")
    event, tally = a.tallies[0]
    if tally is None:
        yield fail(event.where, "tally does not decode")
        return
    if a.election is None:
        yield from _no_election("election.aggregation", a)
        return
    names = [(c.contest_id, o) for c in a.election.manifest.contests for o in c.options]
    a = _with_ballots(record, context)
    cast = sum(1 for _, is_cast in a.ballots if is_cast)
    if tally.ballot_count != cast:
        yield fail(event.where, f"tally counts {tally.ballot_count} ballots, {cast} were cast")
    if a.sums:
        expected = tuple(
            TallyEntry(c, o, Ciphertext(alpha, beta))
            for (c, o), (alpha, beta) in zip(names, a.sums, strict=True)
        )
    else:
        expected = tuple(TallyEntry(c, o, Ciphertext.zero()) for c, o in names)
    if len(tally.entries) != len(expected):
        yield fail(event.where, "tally entries differ from the manifest's options")
        return
    for got, want in zip(tally.entries, expected, strict=True):
        if got != want:
            yield fail(
                f"{event.where}, {want.contest_id}/{want.selection_id}",
                "entry is not the sum of the cast ballots",
            )


def check_decryption_shares(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """Each partial decryption M_i = s_i·alpha of every tally entry carries a valid
    Chaum-Pedersen proof against the guardian's public share K_i; one share per guardian."""
    fail = functools.partial(Failure, "election.decryption-shares")
    a = election_analysis(record)
    if not a.shares:
        return
    tally = a.tallies[0][1] if a.tallies else None
    if a.election is None or tally is None:
        yield fail(a.shares[0][0].where, "cannot check: no valid election or tally")
        return
    seen: set[int] = set()
    for event, share in a.shares:
        if share is None:
            yield fail(event.where, "share does not decode")
            continue
        if share.guardian_id in seen:
            yield fail(event.where, f"guardian {share.guardian_id} gave a second share")
        seen.add(share.guardian_id)
        try:
            verify_tally_share(share, a.election, tally)
        except VerificationError as exc:
            yield fail(event.where, str(exc))


def _combined(a: _Analysis) -> TallyResult | str:
    """Recombine the result from the shares it names, or say why that is impossible
    (once per record: the combination and result checks both need it)."""
    if a.combined is None:
        a.combined = _combine(a)
    return a.combined


def _combine(a: _Analysis) -> TallyResult | str:
    if not a.results:
        return "no result"
    event, _result = a.results[0]
    tally = a.tallies[0][1] if a.tallies else None
    if a.election is None or tally is None:
        return "no valid election or tally"
    named = event.payload.get("guardians")
    by_id = {s.guardian_id: s for _, s in a.shares if s is not None}
    if not isinstance(named, list) or not all(isinstance(g, int) for g in named):
        return "result names no guardians"
    missing = [g for g in named if g not in by_id]
    if missing:
        return f"result uses shares of guardians {missing}, which are not recorded"
    try:
        return combine_tally_shares(a.election, tally, [by_id[g] for g in named])
    except VerificationError as exc:
        return str(exc)


def check_combination(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The result names at least k distinct guardians whose recorded shares verify, and
    their Lagrange combination decrypts every entry within 0..ballot count."""
    a = election_analysis(record)
    if not a.results:
        return
    combined = _combined(a)
    if isinstance(combined, str):
        yield Failure("election.combination", a.results[0][0].where, combined)


def check_result(record: RecordView, _: CheckContext) -> Iterator[Failure]:
    """The published counts, one per option, equal the combination of the named shares,
    for this election and this many ballots; one result, after the tally."""
    fail = functools.partial(Failure, "election.result")
    a = election_analysis(record)
    if not a.results:
        return
    if len(a.results) > 1:
        yield fail(a.results[1][0].where, "a second result")
    event, result = a.results[0]
    if result is None:
        yield fail(event.where, "result does not decode")
        return
    combined = _combined(a)
    if isinstance(combined, str):
        yield fail(event.where, f"cannot be recomputed: {combined}")
    elif combined != result:
        yield fail(event.where, "published result is not the decryption of the tally")


ELECTION_CHECKS: tuple[VerifierCheck, ...] = (
    VerifierCheck("election.sequence", "Election steps in order", check_sequence),
    VerifierCheck("election.parameters", "Election parameters", check_parameters),
    VerifierCheck("election.guardian-keys", "Guardian keys and proofs", check_guardian_keys),
    VerifierCheck("election.joint-key", "Joint public key", check_joint_key),
    VerifierCheck("election.base-hash", "Election base hash", check_base_hash),
    VerifierCheck("election.ballot-ids", "Unique ballot ids", check_ballot_ids),
    VerifierCheck(
        "election.ballot-shape",
        "Ballot shape",
        _ballot_check(
            "election.ballot-shape",
            "Every ballot decodes, names this election's H_E, and has the manifest's "
            "contests and options in order.",
        ),
        start=_start_ballot_work,
    ),
    VerifierCheck(
        "election.selection-proofs",
        "Selection proofs",
        _ballot_check(
            "election.selection-proofs",
            "Every selection of every cast ballot has a valid disjunctive Chaum-Pedersen "
            "proof that it encrypts 0 or 1 (in parallel with --jobs).",
        ),
    ),
    VerifierCheck(
        "election.contest-limits",
        "Contest limits",
        _ballot_check(
            "election.contest-limits",
            "Every contest of every cast ballot has a range proof, for the contest's limit, "
            "that its selections sum to 0..limit.",
        ),
    ),
    VerifierCheck(
        "election.confirmation-codes", "Confirmation-code chains", check_confirmation_codes
    ),
    VerifierCheck("election.eligibility", "Eligibility", check_eligibility),
    VerifierCheck("election.aggregation", "Aggregation", check_aggregation),
    VerifierCheck(
        "election.decryption-shares", "Partial decryption proofs", check_decryption_shares
    ),
    VerifierCheck("election.combination", "Combination of shares", check_combination),
    VerifierCheck("election.result", "Result", check_result),
    VerifierCheck(
        "election.challenged-ballots",
        "Challenged ballots",
        _ballot_check(
            "election.challenged-ballots",
            "Every challenged ballot's revealed votes and nonces re-encrypt to its "
            "ciphertexts, within the contest limits; challenged ballots are never tallied.",
        ),
    ),
)
