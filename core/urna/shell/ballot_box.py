"""The ballot box: a secret-ballot election run on the ledger, for plugins and HTTP.

One election per ledger scope. Every step is a ledger event
(:mod:`urna.record.election_events`), appended only after the step is
verified, inside one transaction that holds the scope's head row locked, so
concurrent callers (several sanic workers on PostgreSQL) are serialised:

1. :meth:`BallotBox.create_election` (parameters and manifest);
2. :meth:`BallotBox.add_guardian` for each of the ``n`` guardians; the last
   one fixes the joint key and the base hash (``core.election_key``);
3. :meth:`BallotBox.relay_share` for every ordered pair of distinct guardians:
   the sender's share, encrypted to the recipient and signed, which the
   appliance checks (address, one-time key, signature) and relays as it is; it
   never sees a plaintext share;
4. :meth:`BallotBox.complain` by a recipient whose share is wrong, with the
   evidence; the ceremony code judges it. A founded complaint is recorded: one
   proving the sender at fault aborts the ceremony for good (``aborted``); one
   whose share does not even decrypt waits for the sender's public
   :meth:`BallotBox.reveal_share`, which :meth:`BallotBox.status` then shows
   (``ceremony.revealed``) for its recipient to check and use. An unfounded
   complaint is refused;
5. :meth:`BallotBox.confirm` by every guardian: a signature over the ceremony
   hash H_C (H_E and every relayed share ciphertext);
6. :meth:`BallotBox.register_credential` for each voter's or device's key;
7. :meth:`BallotBox.open`: all guardians confirmed, credentials now fixed;
8. :meth:`BallotBox.cast` and :meth:`BallotBox.challenge` (Benaloh), each by
   the device whose confirmation-code chain the ballot continues;
9. :meth:`BallotBox.tally` closes voting and records the sum of the cast ballots (kept
   running as they are cast, so closing costs no pass over every ballot);
10. :meth:`BallotBox.submit_share` per decrypting guardian (verified, attributed);
11. :meth:`BallotBox.publish_result` combines at least ``k`` shares.

Every refusal raises :class:`BallotBoxError` naming the check; nothing is
stored and nothing appended. A cast ballot is checked cheapest first (schema,
election, registered credential, unused ballot id and credential, the
device's code chain, reused ciphertexts, signature) and its proofs last, so
junk costs little. Only verified ballots are tallied; only the tally and
challenged ballots are ever decrypted (the latter by their own revealed
nonces). The state used for these checks is a projection of the ledger,
cached per process and re-read whenever the scope's head moved elsewhere.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from urna.crypto.ballot import (
    ChallengedBallot,
    EncryptedBallot,
    SignedBallot,
    initial_code,
    verify_ballot,
    verify_challenged_ballot,
)
from urna.crypto.ceremony import (
    Complaint,
    EncryptedShare,
    GuardianPublicKey,
    Verdict,
    check_guardian_key,
    check_relayed_share,
    check_revealed_share,
    judge_complaint,
)
from urna.crypto.election import (
    Election,
    ceremony_hash,
    make_election,
    verify_ceremony_confirmation,
)
from urna.crypto.elgamal import Ciphertext
from urna.crypto.errors import (
    DecodeError,
    KeyRejectedError,
    PointDecodeError,
    ScalarDecodeError,
    SignatureError,
    VerificationError,
)
from urna.crypto.group import Scalar
from urna.crypto.manifest import ElectionParameters
from urna.crypto.signing import verify_key_from_hex
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
from urna.shell.ledger import Ledger

__all__ = ["BallotBox", "BallotBoxError", "CastReceipt", "ballot_box_for"]

T = TypeVar("T")


class BallotBoxError(Exception):
    """A step was refused: ``check`` names the failed check, ``status`` the HTTP status.

    Nothing was stored and nothing appended to the ledger.
    """

    def __init__(self, check: str, message: str, status: int = 422, where: str = "") -> None:
        self.check = check
        self.status = status
        self.where = where
        super().__init__(message if message.startswith("[") else f"[{check}] {message}")

    def to_json(self) -> dict[str, str]:
        return {"error": str(self), "check": self.check, "where": self.where}


@attrs.frozen(slots=True)
class CastReceipt:
    """What the voter keeps: the ballot id and its confirmation code, and where it is."""

    ballot_id: str
    confirmation_code: str
    seq: int

    def to_json(self) -> dict[str, Any]:
        return {
            "ballot_id": self.ballot_id,
            "confirmation_code": self.confirmation_code,
            "seq": self.seq,
        }


@attrs.define
class _State:
    """The election of one scope as far as the ballot box needs it (a ledger projection)."""

    head: tuple[int, str] = (-1, "")
    parameters: ElectionParameters | None = None
    guardian_keys: dict[int, GuardianPublicKey] = attrs.Factory(dict)
    election: Election | None = None
    key_shares: dict[tuple[int, int], EncryptedShare] = attrs.Factory(dict)
    complaints: dict[tuple[int, int], Verdict] = attrs.Factory(dict)
    revealed: dict[tuple[int, int], Scalar] = attrs.Factory(dict)
    """The shares senders published to answer ``sender-must-reveal`` complaints: public
    by design once revealed (they are in the record), and what their recipients use."""
    at_fault: set[int] = attrs.Factory(set)
    ceremony_hash: bytes | None = None
    confirmed: set[int] = attrs.Factory(set)
    signers: set[str] = attrs.Factory(set)
    credentials: set[str] = attrs.Factory(set)
    opened: bool = False
    ballot_ids: set[bytes] = attrs.Factory(set)
    used_credentials: set[str] = attrs.Factory(set)
    device_codes: dict[str, bytes] = attrs.Factory(dict)
    alphas: set[bytes] = attrs.Factory(set)
    cast: list[EncryptedBallot] = attrs.Factory(list)
    sums: list[Ciphertext] = attrs.Factory(list)
    """The running sum of the cast ballots' ciphertexts, one per option in manifest order:
    closing the polls costs no pass over every ballot."""
    challenged: int = 0
    tally: EncryptedTally | None = None
    shares: dict[int, TallyShare] = attrs.Factory(dict)
    result: TallyResult | None = None

    def apply(self, event: Event) -> None:
        """Fold one committed event of the scope into the state."""
        p = event.payload
        kind = event.type
        if kind == "core.signer_registered":
            self.signers.add(p["key"])
            if p["role"] == ev.CREDENTIAL_ROLE:
                self.credentials.add(p["key"])
        elif kind == ev.ELECTION_CREATED:
            self.parameters = ElectionParameters.from_json(p["parameters"])
        elif kind == ev.ELECTION_GUARDIAN_KEY:
            key = ev.guardian_key_from_payload(p)
            self.guardian_keys[key.guardian_id] = key
        elif kind == ev.ELECTION_KEY:
            assert self.parameters is not None
            self.election = make_election(self.parameters, list(self.guardian_keys.values()))
            self.fix_ceremony_hash()
        elif kind == ev.ELECTION_SHARE:
            relayed = ev.share_from_payload(p)
            self.key_shares[relayed.sender, relayed.recipient] = relayed
            self.fix_ceremony_hash()
        elif kind == ev.ELECTION_COMPLAINT:
            complaint, verdict = ev.complaint_from_payload(p)
            self.complaints[complaint.sender, complaint.recipient] = verdict
            if verdict is Verdict.SENDER_AT_FAULT:
                self.at_fault.add(complaint.sender)
        elif kind == ev.ELECTION_SHARE_REVEALED:
            sender, recipient, value = ev.reveal_from_payload(p)
            self.revealed[sender, recipient] = value
        elif kind == ev.ELECTION_GUARDIAN_CONFIRMED:
            self.confirmed.add(p["guardian_id"])
        elif kind == ev.ELECTION_OPENED:
            self.opened = True
        elif kind in (ev.BALLOT_CAST, ev.BALLOT_CHALLENGED):
            self.record_ballot(ev.signed_ballot_from_payload(p).ballot, kind == ev.BALLOT_CAST)
        elif kind == ev.TALLY_COMPUTED:
            self.tally = EncryptedTally.from_json(p["tally"])
        elif kind == ev.TALLY_SHARE:
            share = TallyShare.from_json(p["share"])
            self.shares[share.guardian_id] = share
        elif kind == ev.TALLY_DECRYPTED:
            self.result = TallyResult.from_json(p["result"])

    def record_ballot(self, ballot: EncryptedBallot, cast: bool) -> None:
        self.ballot_ids.add(ballot.ballot_id)
        self.device_codes[ballot.device_id] = ballot.confirmation_code()
        for contest in ballot.contests:
            for selection in contest.selections:
                self.alphas.add(selection.ciphertext.alpha.encode())
        if cast:
            self.used_credentials.add(ballot.credential.hex())
            self.cast.append(ballot)
            self.add_to_sums(ballot)
        else:
            self.challenged += 1

    def add_to_sums(self, ballot: EncryptedBallot) -> None:
        """Add a cast (so verified, so well-shaped) ballot to the running sums."""
        ciphertexts = [s.ciphertext for c in ballot.contests for s in c.selections]
        if not self.sums:
            self.sums = [Ciphertext.zero()] * len(ciphertexts)
        self.sums = [total + c for total, c in zip(self.sums, ciphertexts, strict=True)]

    def encrypted_tally(self, election: Election) -> EncryptedTally:
        """The tally of the cast ballots from the running sums: what :func:`tally_ballots`
        answers for ``self.cast``, which every cast ballot passed (shape, unique id)."""
        ids = [(c.contest_id, o) for c in election.manifest.contests for o in c.options]
        sums = self.sums or [Ciphertext.zero()] * len(ids)
        entries = tuple(TallyEntry(c, o, total) for (c, o), total in zip(ids, sums, strict=True))
        return EncryptedTally(election.election_hash, len(self.cast), entries)

    def fix_ceremony_hash(self) -> None:
        """H_C, once every share is relayed (at once for a single guardian)."""
        if self.election is not None and len(self.key_shares) == self.pairs():
            self.ceremony_hash = ceremony_hash(self.election, list(self.key_shares.values()))

    def pairs(self) -> int:
        """How many shares the exchange relays: one per ordered pair of distinct guardians."""
        n = len(self.guardian_keys)
        return n * (n - 1)

    def unresolved(self, recipient: int | None = None) -> list[tuple[int, int]]:
        """Complaints still waiting for their sender's reveal (of ``recipient``, if given)."""
        return sorted(
            pair
            for pair, verdict in self.complaints.items()
            if verdict is Verdict.SENDER_MUST_REVEAL
            and pair not in self.revealed
            and recipient in (None, pair[1])
        )

    def device_code(self, device_id: str) -> bytes:
        assert self.election is not None
        code = self.device_codes.get(device_id)
        return code if code is not None else initial_code(self.election.election_hash, device_id)

    def status(self) -> str:
        if self.parameters is None:
            return "none"
        if self.result is not None:
            return "decrypted"
        if self.tally is not None:
            return "tallied"
        if self.opened:
            return "open"
        if self.at_fault:
            return "aborted"
        if self.election is not None:
            return "keyed"
        return "created"


class BallotBox:
    """The election service over one appliance's ledger. Get it with :func:`ballot_box_for`."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._states: dict[str, _State] = {}

    # -- reading ---------------------------------------------------------------------------

    async def election(self, scope: str) -> Election:
        """The scope's election once its key is fixed (``election.unknown``/``election.state``)."""
        state = await self._state(scope)
        return _keyed(state)

    async def status(self, scope: str) -> dict[str, Any]:
        """Public facts about the scope's election: stage, counts, key, tally and result."""
        state = await self._state(scope)
        if state.parameters is None:
            raise BallotBoxError("election.unknown", f"no election in scope {scope!r}", 404)
        return {
            "scope": scope,
            "status": state.status(),
            "parameters": state.parameters.to_json(),
            "guardians": sorted(state.guardian_keys),
            "election": state.election.to_json() if state.election else None,
            "ceremony": {
                "shares": len(state.key_shares),
                "expected_shares": state.pairs() if state.election else None,
                "ceremony_hash": state.ceremony_hash.hex() if state.ceremony_hash else None,
                "complaints": [
                    {"sender": s, "recipient": r, "verdict": v.value}
                    for (s, r), v in sorted(state.complaints.items())
                ],
                "unresolved": [list(pair) for pair in state.unresolved()],
                "revealed": [
                    {"sender": s, "recipient": r, "value": value.hex()}
                    for (s, r), value in sorted(state.revealed.items())
                ],
                "at_fault": sorted(state.at_fault),
            },
            "confirmed": sorted(state.confirmed),
            "credentials": len(state.credentials),
            "cast": len(state.cast),
            "challenged": state.challenged,
            "tally": state.tally.to_json() if state.tally else None,
            "shares": sorted(state.shares),
            "result": state.result.to_json() if state.result else None,
        }

    async def device_code(self, scope: str, device_id: str) -> bytes:
        """The head of ``device_id``'s confirmation-code chain: the ``previous_code`` its
        next ballot must carry (:func:`initial_code` before its first ballot). A device
        that encrypts on the appliance (a voting booth) reads it here before encrypting."""
        state = await self._state(scope)
        _keyed(state)
        return state.device_code(device_id)

    # -- setting up ----------------------------------------------------------------------------

    async def create_election(self, scope: str, parameters: object) -> Event:
        """Start an election in an unused scope with these parameters (JSON form)."""
        params = _decode("parameters", ElectionParameters.from_json, parameters)

        async def step(state: _State) -> Event:
            if state.parameters is not None:
                raise BallotBoxError(
                    "election.exists", f"scope {scope!r} already holds an election", 409
                )
            return await self._append(
                scope, state, ev.ELECTION_CREATED, ev.election_created_payload(params)
            )

        return await self._locked(scope, step)

    async def add_guardian(self, scope: str, guardian: object) -> Event:
        """Record a guardian's verified public key material; the last one fixes the key."""

        async def step(state: _State) -> Event:
            params = _created(state)
            if state.election is not None:
                raise BallotBoxError("election.state", "the key ceremony is complete", 409)
            key = _decode("guardian", GuardianPublicKey.from_json, guardian, params.quorum)
            if key.guardian_id in state.guardian_keys:
                raise BallotBoxError(
                    "guardian.id", "duplicate guardian id", 409, f"guardian {key.guardian_id}"
                )
            _verified(check_guardian_key, key, params.quorum, params.parameters_hash())
            event = await self._append(
                scope, state, ev.ELECTION_GUARDIAN_KEY, ev.guardian_key_payload(key)
            )
            if len(state.guardian_keys) == params.guardians:
                election = _verified(make_election, params, list(state.guardian_keys.values()))
                await self._append(
                    scope,
                    state,
                    ev.ELECTION_KEY,
                    ev.election_key_payload(election.joint_key, election.election_hash),
                )
            return event

        return await self._locked(scope, step)

    async def key_shares(self, scope: str, recipient: int | None = None) -> list[dict[str, Any]]:
        """The relayed shares (ciphertexts), all or those addressed to ``recipient``."""
        state = await self._state(scope)
        _keyed(state)
        return [
            share.to_json()
            for pair, share in sorted(state.key_shares.items())
            if recipient in (None, pair[1])
        ]

    async def relay_share(self, scope: str, share: object) -> Event:
        """Relay one guardian's encrypted, signed share to another (ciphertext only).

        Checked: the pair are guardians of this election, distinct, not relayed
        before; the one-time key is valid; the sender signed it. Nothing here can
        tell a wrong share from a right one: its recipient does (:meth:`complain`).
        """
        decoded = _decode("share", EncryptedShare.from_json, share)

        async def step(state: _State) -> Event:
            election = _ceremony_open(state)
            pair = (decoded.sender, decoded.recipient)
            where = f"share {pair[0]}->{pair[1]}"
            for gid in pair:
                if gid not in state.guardian_keys:
                    raise BallotBoxError(
                        "share.address", f"{gid} is not a guardian of this election", 422, where
                    )
            if pair in state.key_shares:
                raise BallotBoxError("share.duplicate", "share already relayed", 409, where)
            _verified(
                check_relayed_share,
                decoded,
                state.guardian_keys[decoded.sender],
                election.parameters.parameters_hash(),
            )
            return await self._append(scope, state, ev.ELECTION_SHARE, ev.share_payload(decoded))

        return await self._locked(scope, step)

    async def complain(self, scope: str, complaint: object) -> Event:
        """Record a recipient's complaint against a relayed share, if its evidence holds.

        The ceremony code judges the evidence (:func:`judge_complaint`): a share
        proven wrong puts its sender at fault and aborts the ceremony; a share
        that does not decrypt under the revealed key waits for the sender's
        :meth:`reveal_share`. An unfounded complaint (the share is right, or the
        evidence is not the relayed share) is refused: nothing is recorded.
        """
        decoded = _decode("complaint", Complaint.from_json, complaint)

        async def step(state: _State) -> Event:
            election = _ceremony_open(state)
            pair = (decoded.sender, decoded.recipient)
            where = f"complaint {pair[0]}->{pair[1]}"
            relayed = state.key_shares.get(pair)
            if relayed is None or relayed != decoded.share:
                raise BallotBoxError(
                    "complaint.evidence", "the evidence is not the share relayed", 422, where
                )
            if pair in state.complaints:
                raise BallotBoxError("complaint.duplicate", "already complained", 409, where)
            if decoded.recipient in state.confirmed:
                raise BallotBoxError(
                    "complaint.late", "the recipient has confirmed its shares", 409, where
                )
            verdict = _verified(
                judge_complaint,
                decoded,
                election.guardian(decoded.sender),
                election.parameters.parameters_hash(),
            )
            return await self._append(
                scope, state, ev.ELECTION_COMPLAINT, ev.complaint_payload(decoded, verdict)
            )

        return await self._locked(scope, step)

    async def reveal_share(self, scope: str, sender: int, recipient: int, value: str) -> Event:
        """Record the share a sender publishes in answer to a ``sender-must-reveal``
        complaint, once it matches the sender's commitments (``share.reveal``)."""
        revealed = _decode("value", Scalar.from_hex, value)

        async def step(state: _State) -> Event:
            election = _ceremony_open(state)
            pair = (sender, recipient)
            where = f"share {sender}->{recipient}"
            if pair not in state.unresolved():
                raise BallotBoxError(
                    "share.reveal", "no complaint awaits this share's reveal", 409, where
                )
            _verified(check_revealed_share, election.guardian(sender), recipient, revealed)
            return await self._append(
                scope,
                state,
                ev.ELECTION_SHARE_REVEALED,
                ev.share_revealed_payload(sender, recipient, revealed),
            )

        return await self._locked(scope, step)

    async def confirm(self, scope: str, guardian_id: int, signature: bytes) -> Event:
        """Record a guardian's signature over the ceremony hash H_C: every share is
        relayed, and none of the guardian's own complaints waits for a reveal."""

        async def step(state: _State) -> Event:
            election = _ceremony_open(state)
            where = f"guardian {guardian_id}"
            if guardian_id in state.confirmed:
                raise BallotBoxError("guardian.confirmation", "already confirmed", 409, where)
            if state.ceremony_hash is None:
                raise BallotBoxError(
                    "ceremony.shares",
                    f"{len(state.key_shares)} of {state.pairs()} shares relayed",
                    409,
                )
            if state.unresolved(guardian_id):
                raise BallotBoxError(
                    "ceremony.complaints",
                    f"complaints {state.unresolved(guardian_id)} await their reveal",
                    409,
                    where,
                )
            _verified(
                verify_ceremony_confirmation, election, guardian_id, signature, state.ceremony_hash
            )
            return await self._append(
                scope,
                state,
                ev.ELECTION_GUARDIAN_CONFIRMED,
                ev.guardian_confirmed_payload(guardian_id, signature),
            )

        return await self._locked(scope, step)

    async def register_credential(self, scope: str, key: str, name: str) -> Event:
        """Register a voter's or device's Ed25519 key (before voting opens)."""
        try:
            verify_key = verify_key_from_hex(key)
        except KeyRejectedError as exc:
            raise BallotBoxError("credential.key", f"credential key rejected: {exc}") from None
        if not 0 < len(name) <= 200:
            raise BallotBoxError("credential.name", "name must be 1..200 characters")

        async def step(state: _State) -> Event:
            _created(state)
            if state.opened:
                raise BallotBoxError(
                    "election.state", "credentials are fixed once voting opens", 409
                )
            if verify_key.hex() in state.signers:
                raise BallotBoxError("credential.duplicate", "key is already registered", 409)
            return await self._append(
                scope,
                state,
                "core.signer_registered",
                {"key": verify_key.hex(), "role": ev.CREDENTIAL_ROLE, "name": name},
            )

        return await self._locked(scope, step)

    async def open(self, scope: str) -> Event:
        """Open voting: every guardian confirmed H_E and at least one credential exists."""

        async def step(state: _State) -> Event:
            election = _ceremony_open(state)
            missing = sorted(set(state.guardian_keys) - state.confirmed)
            if missing:
                raise BallotBoxError(
                    "guardian.confirmation", f"guardians {missing} have not confirmed", 409
                )
            if not state.credentials:
                raise BallotBoxError("election.credentials", "no credential is registered", 409)
            return await self._append(
                scope,
                state,
                ev.ELECTION_OPENED,
                ev.election_opened_payload(election.election_hash, len(state.credentials)),
            )

        return await self._locked(scope, step)

    # -- voting ----------------------------------------------------------------------------------

    async def prepare_cast(
        self, scope: str, ballot: object, *, device: str
    ) -> PreparedBallot[None]:
        """Decode a signed ballot (``SignedBallot`` JSON) posted by ``device`` and check
        what needs no lock (see :class:`PreparedBallot`); refuses only what cannot be
        decoded, or a scope with no election."""
        signed = _decode_ballot(ballot, proof_check=True)
        election = await self._voting_election(scope)
        return PreparedBallot(scope, device, signed, verify_ballot, signed.ballot, election)

    async def cast(self, scope: str, ballot: object, *, device: str) -> CastReceipt:
        """Verify and cast a signed ballot (``SignedBallot`` JSON) posted by ``device``
        (the authenticated account, whose chain it must continue); answer the receipt."""
        return await self.cast_prepared(await self.prepare_cast(scope, ballot, device=device))

    async def cast_prepared(self, prepared: PreparedBallot[None]) -> CastReceipt:
        """Cast a ballot from :meth:`prepare_cast`: the checks under the scope's lock, in
        order, then the record."""
        scope, signed = prepared.scope, prepared.signed

        async def step(state: _State) -> CastReceipt:
            prepared.outcome(self._check_ballot(state, prepared, cast=True))
            event = await self._append(scope, state, ev.BALLOT_CAST, ev.ballot_cast_payload(signed))
            return CastReceipt(
                signed.ballot.ballot_id.hex(), event.payload["confirmation_code"], event.seq
            )

        return await self._locked(scope, step)

    async def prepare_challenge(
        self, scope: str, ballot: object, reveal: object, *, device: str
    ) -> PreparedBallot[dict[str, tuple[str, ...]]]:
        """:meth:`prepare_cast` for a ballot spoiled with its votes and nonces revealed."""
        signed = _decode_ballot(ballot)
        if not isinstance(ballot, Mapping):  # pragma: no cover - _decode_ballot refused it
            raise BallotBoxError("ballot.schema", "ballot must be an object")
        challenged = _decode(
            "reveal", ChallengedBallot.from_json, {"ballot": ballot["ballot"], "reveal": reveal}
        )
        election = await self._voting_election(scope)
        return PreparedBallot(scope, device, signed, verify_challenged_ballot, challenged, election)

    async def challenge(
        self, scope: str, ballot: object, reveal: object, *, device: str
    ) -> dict[str, tuple[str, ...]]:
        """Spoil a signed ballot, posted by ``device``, with its votes and nonces
        revealed; answer its choices.

        The ballot continues its device's code chain but is never tallied; its
        credential may still cast.
        """
        prepared = await self.prepare_challenge(scope, ballot, reveal, device=device)
        return await self.challenge_prepared(prepared)

    async def challenge_prepared(
        self, prepared: PreparedBallot[dict[str, tuple[str, ...]]]
    ) -> dict[str, tuple[str, ...]]:
        """Spoil a ballot from :meth:`prepare_challenge`; answer its choices."""
        scope, signed = prepared.scope, prepared.signed
        if not isinstance(prepared.checked, ChallengedBallot):
            raise TypeError("challenge_prepared needs a ballot from prepare_challenge")
        challenged = prepared.checked

        async def step(state: _State) -> dict[str, tuple[str, ...]]:
            choices = prepared.outcome(self._check_ballot(state, prepared, cast=False))
            await self._append(
                scope, state, ev.BALLOT_CHALLENGED, ev.ballot_challenged_payload(signed, challenged)
            )
            return choices

        return await self._locked(scope, step)

    async def _voting_election(self, scope: str) -> Election:
        """The scope's election as last seen, without locking: a ballot's proofs are
        checked against it before the head is locked (see :class:`PreparedBallot`)."""
        state = self._states.get(scope)
        if state is not None and state.election is not None:
            return state.election
        return await self.election(scope)

    def _check_ballot(
        self, state: _State, prepared: PreparedBallot[Any], *, cast: bool
    ) -> Election:
        """Every check but the proofs, cheapest first, the signature's answer taken from
        ``prepared``; the state is not changed."""
        signed, device = prepared.signed, prepared.device
        election = _keyed(state)
        if not state.opened or state.tally is not None:
            raise BallotBoxError("election.closed", "the ballot box is not open", 409)
        ballot = signed.ballot
        where = f"ballot {ballot.ballot_id.hex()}"
        if ballot.device_id != device:
            raise BallotBoxError(
                "ballot.device",
                f"device {device!r} may post ballots only in its own chain, "
                f"not {ballot.device_id!r}'s",
                403,
                where,
            )
        if ballot.election_hash != election.election_hash:
            raise BallotBoxError("ballot.election", "ballot is for another election", 422, where)
        credential = ballot.credential.hex()
        if credential not in state.credentials:
            raise BallotBoxError(
                "ballot.credential", "credential is not registered for this election", 422, where
            )
        if ballot.ballot_id in state.ballot_ids:
            raise BallotBoxError("ballot.duplicate", "ballot id already used", 409, where)
        if cast and credential in state.used_credentials:
            raise BallotBoxError(
                "ballot.credential-used", "this credential has already cast a ballot", 409, where
            )
        if ballot.previous_code != state.device_code(ballot.device_id):
            raise BallotBoxError(
                "ballot.chain", "previous code does not continue the device's chain", 409, where
            )
        for contest in ballot.contests:
            for selection in contest.selections:
                if selection.ciphertext.alpha.encode() in state.alphas:
                    raise BallotBoxError(
                        "ballot.replay", "a ciphertext of an earlier ballot is reused", 409, where
                    )
        if not prepared.signed_by_credential:
            raise BallotBoxError(
                "ballot.signature", "ballot is not signed by its credential", 422, where
            )
        return election

    # -- counting --------------------------------------------------------------------------------

    async def tally(self, scope: str) -> EncryptedTally:
        """Close voting and record the homomorphic sum of the cast ballots."""

        async def step(state: _State) -> EncryptedTally:
            election = _keyed(state)
            if not state.opened or state.tally is not None:
                raise BallotBoxError("election.state", "voting is not open", 409)
            tally = state.encrypted_tally(election)
            await self._append(scope, state, ev.TALLY_COMPUTED, ev.tally_computed_payload(tally))
            return tally

        return await self._locked(scope, step)

    async def submit_share(self, scope: str, share: object) -> Event:
        """Record a guardian's partial decryption of the tally after verifying every proof."""
        decoded = _decode("share", TallyShare.from_json, share)

        async def step(state: _State) -> Event:
            election = _keyed(state)
            if state.tally is None or state.result is not None:
                raise BallotBoxError("election.state", "no tally awaits decryption", 409)
            where = f"guardian {decoded.guardian_id}"
            if decoded.guardian_id in state.shares:
                raise BallotBoxError("decryption.duplicate", "share already recorded", 409, where)
            _verified(verify_tally_share, decoded, election, state.tally)
            return await self._append(scope, state, ev.TALLY_SHARE, ev.tally_share_payload(decoded))

        return await self._locked(scope, step)

    async def publish_result(self, scope: str) -> TallyResult:
        """Combine the recorded shares (at least the quorum) and record the result."""

        async def step(state: _State) -> TallyResult:
            election = _keyed(state)
            if state.tally is None or state.result is not None:
                raise BallotBoxError("election.state", "no tally awaits decryption", 409)
            shares = [state.shares[i] for i in sorted(state.shares)]
            result = _verified(combine_tally_shares, election, state.tally, shares)
            await self._append(
                scope,
                state,
                ev.TALLY_DECRYPTED,
                ev.tally_decrypted_payload(result, sorted(state.shares)),
            )
            return result

        return await self._locked(scope, step)

    # -- the ledger projection ----------------------------------------------------------------

    async def _locked(self, scope: str, step: Callable[[_State], Awaitable[T]]) -> T:
        """Run ``step`` on the scope's current state with its head row locked, durably
        (the ledger's group commit on SQLite; a transaction of its own on PostgreSQL)."""

        async def unit() -> T:
            # The ledger's own head lock: concurrent appends to the scope wait here.
            state = await self._state(scope, await self._ledger.lock_head(scope))
            return await step(state)

        return await self._ledger.run(unit)

    async def _state(self, scope: str, locked: tuple[int, str] | None = None) -> _State:
        """The cached projection, brought up to the scope's committed head (``locked``:
        the head as :meth:`Ledger.lock_head` just answered it, so it is not read again)."""
        if locked is None:
            locked = await self._ledger.head(scope) or (-1, "")
        head = (-1, "") if locked[0] < 0 else locked
        state = self._states.get(scope)
        if state is not None and state.head == head:
            return state
        if state is None or head[0] <= state.head[0]:
            state = _State()
        events = await self._ledger.events(scope, after=state.head[0])
        if events and state.head[0] >= 0 and events[0].prev != state.head[1]:
            state = _State()  # the cached head was rolled back and replaced
            events = await self._ledger.events(scope)
        for event in events:
            state.apply(event)
            state.head = (event.seq, event.hash().hex())
        self._states[scope] = state
        return state

    async def _append(self, scope: str, state: _State, kind: str, payload: dict[str, Any]) -> Event:
        event = await self._ledger.append(scope, kind, payload)
        if state.head[0] < 0 and event.seq == 1:  # the ledger opened the scope first
            state.signers.add(self._ledger.public_key)
        state.apply(event)
        state.head = (event.seq, event.hash().hex())
        return event


class PreparedBallot(Generic[T]):
    """A posted ballot, decoded and checked without the scope's lock, so that other
    writers do not wait through its longest check (the proofs, about 30 scalar
    multiplications) on PostgreSQL or with several SQLite workers. Over HTTP this
    runs in the routes' ``prepare`` step, before the write's transaction opens.

    Checked here: what needs no state, cheapest first: the posting device, the
    election, the credential's signature and, only when those pass (a forgery costs
    no proof check), the proofs. Nothing is refused here: the checks under the lock
    give the refusal in their order (``docs/verifier.md``), so a ballot gets the same
    answer as if everything were checked there (a replayed ciphertext is a replay,
    not a bad proof)."""

    def __init__(
        self,
        scope: str,
        device: str,
        signed: SignedBallot,
        verify: Callable[[Any, Election], T],
        checked: Any,
        election: Election,
    ) -> None:
        self.scope, self.device, self.signed, self.checked = scope, device, signed, checked
        self._verify = verify
        ballot = signed.ballot
        try:
            ballot.credential.verify(ballot.signing_bytes(), signed.signature)
            self.signed_by_credential = True
        except SignatureError:
            self.signed_by_credential = False
        self._checked_for: bytes | None = None
        self._error: BallotBoxError | None = None
        if (
            self.signed_by_credential
            and ballot.device_id == device
            and ballot.election_hash == election.election_hash
        ):
            try:
                self._answer = _verified(verify, checked, election)
            except BallotBoxError as exc:
                self._error = exc
            self._checked_for = election.election_hash

    def outcome(self, election: Election) -> T:
        """What the proof check answered (or raise its refusal), once the checks under the
        lock have passed for ``election``."""
        if self._checked_for != election.election_hash:  # pragma: no cover
            # Only if the election under the lock is not the one checked against (a
            # rolled-back scope): check again.
            return _verified(self._verify, self.checked, election)
        if self._error is not None:
            raise self._error
        return self._answer


_boxes: weakref.WeakKeyDictionary[Ledger, BallotBox] = weakref.WeakKeyDictionary()


def ballot_box_for(ledger: Ledger) -> BallotBox:
    """The ballot box of this ledger (one per ledger, so its cache is shared)."""
    box = _boxes.get(ledger)
    if box is None:
        box = _boxes[ledger] = BallotBox(ledger)
    return box


def _created(state: _State) -> ElectionParameters:
    if state.parameters is None:
        raise BallotBoxError("election.unknown", "no election in this scope", 404)
    return state.parameters


def _keyed(state: _State) -> Election:
    _created(state)
    if state.election is None:
        raise BallotBoxError("election.state", "the key ceremony is not complete", 409)
    return state.election


def _ceremony_open(state: _State) -> Election:
    """The election while its key ceremony runs: keyed, not aborted, voting not open."""
    election = _keyed(state)
    if state.opened:
        raise BallotBoxError("election.state", "voting is already open", 409)
    if state.at_fault:
        raise BallotBoxError(
            "ceremony.aborted",
            f"a founded complaint put guardians {sorted(state.at_fault)} at fault; "
            "the key ceremony must be run again in a new scope",
            409,
        )
    return election


def _decode(what: str, reader: Callable[..., T], *args: Any) -> T:
    """Read a JSON form strictly; decoding errors name what failed."""
    try:
        return reader(*args)
    except PointDecodeError as exc:
        raise BallotBoxError(f"{what}.point", f"{type(exc).__name__}: {exc}") from None
    except ScalarDecodeError as exc:
        raise BallotBoxError(f"{what}.scalar", f"{type(exc).__name__}: {exc}") from None
    except KeyRejectedError as exc:
        raise BallotBoxError(f"{what}.key", f"{type(exc).__name__}: {exc}") from None
    except DecodeError as exc:
        raise BallotBoxError(f"{what}.schema", f"{type(exc).__name__}: {exc}") from None


def _decode_ballot(value: object, *, proof_check: bool = False) -> SignedBallot:
    return _decode("ballot", lambda v: SignedBallot.from_json(v, proof_check=proof_check), value)


def _verified(function: Callable[..., T], *args: Any) -> T:
    """Run a crypto verifier; its typed error becomes a refusal naming the same check."""
    try:
        return function(*args)
    except VerificationError as exc:
        raise BallotBoxError(exc.check, str(exc), 422, exc.where) from None
