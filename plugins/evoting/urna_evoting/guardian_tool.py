"""The guardian's command, run on the guardian's own machine: ``urna evoting guardian``.

The guardian's secrets (polynomial coefficients, Box and signing keys, the
shares received, the key share) are made here and never leave the machine:
they are sealed under the guardian's passphrase (Argon2id, then XSalsa20-
Poly1305) in ``guardian.sealed`` of the guardian's directory. Only signed or
encrypted messages go to the appliance, over its HTTP API, signed in as the
guardian's account. ``next`` does whatever the ceremony or the tally waits for
from this guardian and says what is left; it is safe to run again at any time.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import httpx
import nacl.exceptions
import nacl.pwhash
import nacl.secret
from urna.crypto.ceremony import (
    Complaint,
    EncryptedShare,
    GuardianPublicKey,
    GuardianSecret,
    KeyShare,
    check_revealed_share,
    generate_guardian,
    make_shares,
    receive_share,
)
from urna.crypto.election import Election, confirm_ceremony
from urna.crypto.errors import CeremonyError, DecodeError, ShareError
from urna.crypto.group import Point, Scalar
from urna.crypto.manifest import ElectionParameters
from urna.crypto.signing import SigningKey
from urna.crypto.tally import EncryptedTally, decrypt_tally_share

SETTINGS_FILE = "guardian.json"
SEALED_FILE = "guardian.sealed"
_KDF = nacl.pwhash.argon2id
_OPS, _MEM = _KDF.OPSLIMIT_MODERATE, _KDF.MEMLIMIT_MODERATE


class GuardianToolError(Exception):
    """A step failed; the message says what, in one line."""


@attrs.define
class Sealed:
    """What the guardian keeps secret, as it is sealed on disk."""

    scope: str
    guardian_id: int
    coefficients: list[str]
    box_secret: str
    signing_seed: str
    public_key: dict[str, Any]
    received: dict[str, str] = attrs.Factory(dict)
    key_share: str | None = None

    def secret(self, quorum: int) -> GuardianSecret:
        return GuardianSecret(
            self.guardian_id,
            tuple(Scalar.from_hex(c) for c in self.coefficients),
            bytes.fromhex(self.box_secret),
            SigningKey.from_seed(bytes.fromhex(self.signing_seed)),
            GuardianPublicKey.from_json(self.public_key, quorum),
        )


def seal(directory: Path, sealed: Sealed, passphrase: bytes) -> None:
    salt = secrets.token_bytes(nacl.pwhash.argon2id.SALTBYTES)
    key = _KDF.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase, salt, _OPS, _MEM)
    box = nacl.secret.SecretBox(key)
    blob = salt + box.encrypt(json.dumps(attrs.asdict(sealed)).encode())
    target = directory / SEALED_FILE
    temporary = target.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(blob)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(target)


def unseal(directory: Path, passphrase: bytes) -> Sealed:
    blob = (directory / SEALED_FILE).read_bytes()
    salt, body = blob[: nacl.pwhash.argon2id.SALTBYTES], blob[nacl.pwhash.argon2id.SALTBYTES :]
    key = _KDF.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase, salt, _OPS, _MEM)
    try:
        plain = nacl.secret.SecretBox(key).decrypt(body)
    except nacl.exceptions.CryptoError:
        raise GuardianToolError("wrong passphrase (or a damaged guardian.sealed)") from None
    return Sealed(**json.loads(plain))


def join(directory: Path, url: str, user: str) -> None:
    """Remember the appliance's address and the guardian's user name (not secret)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    (directory / SETTINGS_FILE).write_text(
        json.dumps({"url": url.rstrip("/"), "user": user}), encoding="utf-8"
    )


class Appliance:
    """The appliance's guardian API, signed in as the guardian's account."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=60, headers={"Origin": url})
        response = self.client.post("/-/login", json={"username": user, "password": password})
        if response.status_code != 200:
            raise GuardianToolError(
                f"sign-in as {user!r} at {url} refused ({response.status_code})"
            )
        self.client.headers["X-CSRF-Token"] = response.json()["csrf_token"]

    def state(self) -> dict[str, Any]:
        response = self.client.get("/p/evoting/api/guardian")
        if response.status_code != 200:
            raise GuardianToolError(
                f"the appliance answered {response.status_code}: {response.text}"
            )
        value: dict[str, Any] = response.json()
        return value

    def post(self, path: str, body: dict[str, Any]) -> None:
        response = self.client.post(f"/p/evoting/api/guardian/{path}", json=body)
        if response.status_code != 201:
            raise GuardianToolError(f"the appliance refused {path}: {response.text}")

    def close(self) -> None:
        self.client.close()


@attrs.define
class Step:
    """What one run did, and what it waits for."""

    done: list[str] = attrs.Factory(list)
    waiting: list[str] = attrs.Factory(list)


def next_steps(
    directory: Path,
    appliance: Appliance,
    passphrase: Callable[[bool], bytes],
) -> Step:
    """Do everything the appliance waits for from this guardian now."""
    step = Step()
    state = appliance.state()
    status = state["status"]
    gid = state["guardian_id"]
    parameters = ElectionParameters.from_json(status["parameters"])
    quorum = parameters.quorum
    sealed_path = directory / SEALED_FILE
    if not sealed_path.exists():
        secret = generate_guardian(gid, quorum, parameters.parameters_hash(), os.urandom)
        sealed = Sealed(
            state["scope"],
            gid,
            [a.hex() for a in secret.coefficients],
            secret.box_secret.hex(),
            secret.signing_key.seed().hex(),
            secret.public_key.to_json(),
        )
        phrase = passphrase(True)
        seal(directory, sealed, phrase)
        appliance.post("key", {"guardian": secret.public_key.to_json()})
        step.done.append("key material generated, sealed and sent")
        state = appliance.state()
        status = state["status"]
    else:
        phrase = passphrase(False)
        sealed = unseal(directory, phrase)
        if sealed.scope != state["scope"] or sealed.guardian_id != gid:
            raise GuardianToolError(
                f"this directory guards {sealed.scope} as guardian {sealed.guardian_id}, "
                f"the appliance runs {state['scope']} with you as guardian {gid}"
            )
        if gid not in status["guardians"]:
            appliance.post("key", {"guardian": sealed.public_key})
            step.done.append("key material sent")
            state = appliance.state()
            status = state["status"]
    if status["election"] is None:
        step.waiting.append(
            f"the other guardians' key material ({len(status['guardians'])} of "
            f"{parameters.guardians} sent)"
        )
        return step
    election = Election.from_json(status["election"])  # every proof checked here
    secret = sealed.secret(quorum)
    ph = parameters.parameters_hash()
    changed = _exchange(appliance, state, election, secret, sealed, ph, step)
    if changed:
        seal(directory, sealed, phrase)
        state = appliance.state()
        status = state["status"]
    _confirm(appliance, status, election, secret, sealed, step)
    if sealed.key_share is not None and status["tally"] is not None:
        if gid in status["shares"]:
            step.done.append("partial decryption already recorded")
        elif status["result"] is None:
            tally = EncryptedTally.from_json(status["tally"])
            share = decrypt_tally_share(
                KeyShare(gid, Scalar.from_hex(sealed.key_share)), election, tally, os.urandom
            )
            appliance.post("decryption", {"share": share.to_json()})
            step.done.append("partial decryption of the tally sent")
    elif status["status"] == "open":
        step.waiting.append("the polls to close and the tally (then run this again)")
    return step


def _exchange(
    appliance: Appliance,
    state: dict[str, Any],
    election: Election,
    secret: GuardianSecret,
    sealed: Sealed,
    ph: bytes,
    step: Step,
) -> bool:
    """Send this guardian's shares once; check and keep those received; complain about a
    wrong one; take a complained-about share once its sender revealed it (checked); reveal
    a share a complaint disputes. Answer whether the sealed state changed."""
    status = state["status"]
    gid = secret.guardian_id
    others = [g for g in election.guardians if g.guardian_id != gid]
    already_sent = any(s["sender"] == gid for s in _all_shares(appliance, state))
    if others and not already_sent:
        shares = make_shares(secret, others, ph, os.urandom)
        appliance.post("shares", {"shares": [s.to_json() for s in shares]})
        step.done.append(f"{len(shares)} shares encrypted, signed and sent")
    changed = False
    if not sealed.received:
        sealed.received[str(gid)] = secret.evaluate(gid).hex()
        changed = True
    complained = {(c["sender"], c["recipient"]) for c in status["ceremony"]["complaints"]}
    revealed = {(r["sender"], r["recipient"]): r["value"] for r in status["ceremony"]["revealed"]}
    for raw in state["inbox"]:
        share = EncryptedShare.from_json(raw)
        if str(share.sender) in sealed.received:
            continue
        if (share.sender, gid) in complained:
            if (share.sender, gid) in revealed:
                value = revealed_share(
                    election.guardian(share.sender), gid, revealed[share.sender, gid]
                )
                sealed.received[str(share.sender)] = value.hex()
                step.done.append(
                    f"share revealed by guardian {share.sender} checked against its commitments"
                )
                changed = True
            continue
        try:
            value = receive_share(secret, election.guardian(share.sender), share, ph)
        except ShareError as exc:
            if not isinstance(exc.complaint, Complaint):
                raise GuardianToolError(f"share from guardian {share.sender}: {exc}") from None
            appliance.post("complaints", {"complaint": exc.complaint.to_json()})
            step.done.append(f"complained about guardian {share.sender}'s share ({exc.check})")
            continue
        sealed.received[str(share.sender)] = value.hex()
        step.done.append(f"share from guardian {share.sender} checked")
        changed = True
    for sender, recipient in status["ceremony"]["unresolved"]:
        if sender == gid:
            appliance.post(
                "reveals", {"recipient": recipient, "value": secret.evaluate(recipient).hex()}
            )
            step.done.append(f"share for guardian {recipient} revealed")
    if len(sealed.received) == len(election.guardians) and sealed.key_share is None:
        total = Scalar.from_int(0)
        for received in sealed.received.values():
            total = total + Scalar.from_hex(received)
        if election.public_shares[gid] != Point.base_mul(total):
            raise GuardianToolError("the combined key share does not match the public commitments")
        sealed.key_share = total.hex()
        step.done.append("key share combined and checked against the commitments")
        changed = True
    return changed


def revealed_share(sender: GuardianPublicKey, recipient: int, value: object) -> Scalar:
    """The share ``sender`` revealed to answer this guardian's complaint, as the appliance
    shows it: used only once it decodes and matches the sender's published commitments
    (the appliance relays it; it is trusted with nothing)."""
    try:
        share = Scalar.from_hex(value)
        check_revealed_share(sender, recipient, share)
    except (DecodeError, CeremonyError) as exc:
        raise GuardianToolError(
            f"the share guardian {sender.guardian_id} revealed is refused: {exc}"
        ) from None
    return share


def _all_shares(appliance: Appliance, state: dict[str, Any]) -> list[dict[str, Any]]:
    response = appliance.client.get(f"/-/elections/{state['scope']}/key-shares.json")
    if response.status_code != 200:
        return []
    shares: list[dict[str, Any]] = response.json()["shares"]
    return shares


def _confirm(
    appliance: Appliance,
    status: dict[str, Any],
    election: Election,
    secret: GuardianSecret,
    sealed: Sealed,
    step: Step,
) -> None:
    gid = secret.guardian_id
    hc = status["ceremony"]["ceremony_hash"]
    if gid in status["confirmed"]:
        return
    if hc is None:
        step.waiting.append(
            f"the other guardians' shares ({status['ceremony']['shares']} of "
            f"{status['ceremony']['expected_shares']} relayed)"
        )
        return
    if sealed.key_share is None:
        step.waiting.append("the shares still owed to you (see the complaints)")
        return
    signature = confirm_ceremony(secret, bytes.fromhex(hc))
    appliance.post("confirmation", {"signature": signature.hex()})
    step.done.append("ceremony hash confirmed: the key is ready for the polls")
