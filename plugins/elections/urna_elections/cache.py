"""The election's structure held in memory, so that accepting a protocol asks the database
nothing it already knows.

An election's structure only grows: commissions and members are added, never
changed or removed, and a member's key belongs to one commission for good.
So a cached entry is never wrong, only possibly incomplete, and the cache is
refreshed where incompleteness could matter:

* an unknown precinct or an unknown signing key reloads that precinct from
  the database before the protocol is refused;
* the write itself (``protocols.write_batch``) compares, under the election's
  row lock, the number of members with a decisive vote of each precinct in
  the batch with the cached number, and reloads the precinct when another
  process has registered members meanwhile (the quorum would change);
* ``add_commissions``/``add_members`` in this process drop the cache.

One cache per ledger (one per running appliance, so that tests running two
appliances in one process never share one), one entry per election.

Member keys are decoded (and validated again: a canonical point of the
prime-order subgroup, about 60 us each) when the structure is loaded, in a
worker thread, and kept per ledger across reloads: a key never changes
meaning. Each member signs about once, so decoding on first use cost as much
as a signature check on every protocol; ``warm`` (called when an appliance
starts serving) moves that cost before the first protocol arrives.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any

import attrs
from urna.api import Ledger
from urna.crypto.errors import KeyRejectedError
from urna.crypto.signing import VerifyKey, verify_key_from_hex

from urna_elections import models
from urna_elections.contests import Contest
from urna_elections.signatures import Signer
from urna_elections.structure import ElectionInfo, StructureError, load_election

_MEMBER_COLUMNS = ("key", "commission_code", "name", "role", "decisive")


@attrs.define(slots=True, eq=False)
class Structure:
    """What the acceptance path needs to know about one election."""

    election: ElectionInfo
    kinds: dict[str, str]
    """Commission code -> kind."""
    parents: dict[str, str]
    """Commission code -> its parent's code."""
    signers: dict[str, Signer]
    """Member key -> who."""
    decisive: dict[str, int]
    """Precinct code -> members with a decisive vote."""
    keys: dict[str, VerifyKey] = attrs.field(factory=dict)
    """Member key -> decoded once (validated at registration; decoding checks it again).
    Shared by every structure of the same ledger."""
    ballots: dict[str, tuple[Contest, ...]] = attrs.field(factory=dict)
    """Precinct code -> the contests on its ballot, found once."""

    @classmethod
    def from_rows(
        cls,
        election: ElectionInfo,
        commissions: Sequence[tuple[str, str, str]],
        members: Sequence[tuple[Any, ...]],
        keys: dict[str, VerifyKey],
    ) -> Structure:
        """The structure of ``election`` from its commissions (code, kind, parent) and its
        member rows (``_MEMBER_COLUMNS``); ``keys`` is the ledger's shared decoded keys."""
        kinds = {code: kind for code, kind, _ in commissions}
        parents = {code: parent for code, _, parent in commissions}
        structure = cls(election, kinds, parents, {}, {}, keys)
        structure._take_members(members)
        return structure

    def verify_key(self, key: str) -> VerifyKey:
        """The decoded key; one that failed to decode raises ``KeyRejectedError`` again."""
        found = self.keys.get(key)
        if found is None:
            found = self.keys[key] = verify_key_from_hex(key)
        return found

    def is_precinct(self, code: str) -> bool:
        return self.kinds.get(code) == "precinct"

    def ballot(self, precinct: str) -> tuple[Contest, ...]:
        """The contests on ``precinct``'s ballot (its district memberships never change once
        it is counted, and a new district or contest drops this structure)."""
        found = self.ballots.get(precinct)
        if found is None:
            chain: list[str] = []
            code = precinct
            while code in self.kinds and code not in chain:
                chain.append(code)
                code = self.parents[code]
            found = self.ballots[precinct] = self.election.ballot(chain)
        return found

    async def reload_commission(self, code: str) -> None:
        """Read one commission and its members again (another process may have added them)."""
        row = await models.Commission.get_or_none(election_id=self.election.id, code=code)
        if row is None:
            return
        self.kinds[code] = row.kind
        self.parents[code] = row.parent_code
        self.ballots.pop(code, None)
        rows = await models.Member.filter(
            election_id=self.election.id, commission_code=code
        ).values_list(*_MEMBER_COLUMNS)
        self.decisive[code] = 0  # counted again from the rows, with no await in between
        self._take_members(rows)
        await _decode_missing(self.keys, [key for key, *_ in rows])

    async def reload_precinct(self, code: str) -> None:
        """Read a precinct and every commission above it not known yet (added by another
        process), so that its ballot is found on its whole chain."""
        await self.reload_commission(code)
        parent = self.parents.get(code, "")
        while parent and parent not in self.kinds:
            await self.reload_commission(parent)
            if parent not in self.kinds:
                break
            parent = self.parents[parent]

    def _take_members(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Add member rows (``_MEMBER_COLUMNS``) to the signers and the decisive counts."""
        for key, commission, name, role, decisive in rows:
            self.signers[key] = Signer(commission, name, role, decisive)
            if decisive:
                self.decisive[commission] = self.decisive.get(commission, 0) + 1


_loading: weakref.WeakKeyDictionary[Ledger, asyncio.Lock] = weakref.WeakKeyDictionary()
_caches: weakref.WeakKeyDictionary[Ledger, dict[str, Structure]] = weakref.WeakKeyDictionary()
_keys: weakref.WeakKeyDictionary[Ledger, dict[str, VerifyKey]] = weakref.WeakKeyDictionary()


async def structure_for(ledger: Ledger, code: str) -> Structure:
    """The cached structure of election ``code`` (loaded on first use: two queries)."""
    per_ledger = _caches.setdefault(ledger, {})
    found = per_ledger.get(code)
    if found is not None:
        return found
    lock = _loading.setdefault(ledger, asyncio.Lock())
    async with lock:  # concurrent first requests load it once
        found = per_ledger.get(code)
        if found is not None:
            return found
        structure = await _load(code, _keys.setdefault(ledger, {}))
        per_ledger[code] = structure
        return structure


async def warm(ledger: Ledger) -> int:
    """Load the structure (and decode the member keys) of every election still counting;
    answer how many. Called when the appliance starts serving."""
    codes = await models.Election.exclude(status="official").values_list("code", flat=True)
    for code in codes:
        await structure_for(ledger, str(code))
    return len(codes)


async def _decode_missing(keys: dict[str, VerifyKey], wanted: list[str]) -> None:
    """Decode the keys not decoded yet, off the event loop (libsodium releases the GIL).
    A key that does not decode is left out: using it raises, naming the key."""
    missing = [key for key in wanted if key not in keys]
    if missing:
        keys.update(await asyncio.to_thread(_decode_all, missing))


def _decode_all(texts: list[str]) -> dict[str, VerifyKey]:
    decoded = {}
    for text in texts:
        try:
            decoded[text] = verify_key_from_hex(text)
        except KeyRejectedError:
            continue
    return decoded


async def _load(code: str, keys: dict[str, VerifyKey]) -> Structure:
    election = await load_election(code)
    commissions = await models.Commission.filter(election_id=election.id).values_list(
        "code", "kind", "parent_code"
    )
    rows = await models.Member.filter(election_id=election.id).values_list(*_MEMBER_COLUMNS)
    structure = Structure.from_rows(election, commissions, rows, keys)
    await _decode_missing(keys, [key for key, *_ in rows])
    return structure


def forget(ledger: Ledger, code: str) -> None:
    """Drop the cached structure of ``code`` (its structure changed in this process)."""
    per_ledger = _caches.get(ledger)
    if per_ledger is not None:
        per_ledger.pop(code, None)


__all__ = ["Structure", "StructureError", "forget", "structure_for", "warm"]
