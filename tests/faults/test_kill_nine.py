"""``kill -9`` during mixed ingestion: no acknowledged write lost, none counted twice.

A real ``urna serve`` (SQLite, the embedded default) runs as a subprocess on a
loopback port. Three kinds of write arrive at once from concurrent clients:
signed protocols of an election (idempotent by their digest), ballots of a
secret-ballot election from four voting devices (each with an Idempotency-Key,
chained per device), and the members' signed presses in a plenary vote
(idempotent by member: a repeat is refused with 409 naming the recorded vote).
Each client retries after a connection error with the same key and body until
it has an answer, as a real one would. Meanwhile the server is killed with
SIGKILL at random moments ``URNA_FAULT_KILLS`` times (default 200), restarted
each time and waited for on ``/-/health``. At the end every scope is exported
with ``urna record export``: each acknowledged write is in its bundle exactly
once (counted by natural key), and each bundle passes ``urna verify`` against
the appliance key. Run with ``pytest -m faults -s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from election_kit import credential_key, device_ballots, run_ceremony
from urna.crypto.ballot import SignedBallot
from urna.testing import TEST_PASSWORD, free_port, require_component
from urna_elections.contests import implied_contest
from urna_elections.generate import (
    CANDIDATES,
    ROLES,
    az_protocol_values,
    layout,
    member_keys,
    signed_protocol,
)
from urna_elections.law import DEFAULT_PROFILE, load_builtin
from urna_elections.protocol import protocol_digest
from urna_elections.record import scope_of
from urna_elections.structure import ElectionInfo
from urna_parliament.record import statement
from urna_parliament.simulator import chamber, roster_csv

pytestmark = pytest.mark.faults

KILLS = int(os.environ.get("URNA_FAULT_KILLS", "200"))
SEED = int(os.environ.get("URNA_FAULT_SEED", str(time.time_ns() % 1_000_000)))
URNA = str(Path(sys.executable).with_name("urna"))
CODE = "faults-2026"
BALLOT_SCOPE = "faults-evote"
SITTING_SCOPE = "parliament-sitting-1"
DEVICES = ("booth-0", "booth-1", "booth-2", "booth-3")
MEMBERS = 125  # the chamber: one signed press per member in the open vote
COMMISSION_MEMBERS = 5
GAP = (0.0, 0.4)  # seconds of traffic between a healthy server and the next kill
RESTART_DEADLINE = 60.0
RETRY_DEADLINE = 300.0  # per write: how long a client keeps trying before it gives up


@attrs.define
class Appliance:
    """``urna serve`` as a subprocess on a loopback port, killed and restarted by PID."""

    data_dir: Path
    database_url: str  # empty: SQLite in the data directory
    port: int = attrs.field(factory=free_port)
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "URNA_DATABASE_URL": self.database_url}

    def command(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [URNA, "--data-dir", str(self.data_dir), *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"urna {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    async def start(self) -> None:
        self.starts += 1
        with (self.data_dir / "serve.log").open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                URNA,
                "--data-dir",
                str(self.data_dir),
                "serve",
                "--port",
                str(self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
            )
        deadline = time.monotonic() + RESTART_DEADLINE
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as probe:
            while time.monotonic() < deadline:
                assert self.process.returncode is None, f"urna serve exited: {self.log_tail()}"
                try:
                    if (await probe.get("/-/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        pytest.fail(f"no healthy server {RESTART_DEADLINE} s after start: {self.log_tail()}")

    async def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.returncode is None:
            os.kill(self.process.pid, sig)
            await asyncio.wait_for(self.process.wait(), 30)
        self.process = None

    def log_tail(self) -> str:
        return (self.data_dir / "serve.log").read_text(errors="replace")[-2000:]


@attrs.define
class Write:
    """One write a client must deliver: where, what, and how it is known in the record."""

    kind: str
    client: str
    path: str
    body: dict[str, Any]
    key: str  # the natural key it is counted by in the exported bundle
    idempotency_key: str | None = None


@attrs.define
class Figures:
    acknowledged: collections.Counter[str] = attrs.field(factory=collections.Counter)
    settled_by_conflict: collections.Counter[str] = attrs.field(factory=collections.Counter)
    retries: collections.Counter[str] = attrs.field(factory=collections.Counter)
    answered_after_retry: collections.Counter[str] = attrs.field(factory=collections.Counter)
    delivered: dict[str, list[str]] = attrs.field(factory=lambda: collections.defaultdict(list))
    refused: list[str] = attrs.field(factory=list)


async def deliver(clients: dict[str, httpx.AsyncClient], write: Write, figures: Figures) -> None:
    """Send ``write`` until it is answered, the same key and body after every failure."""
    headers = {"Idempotency-Key": write.idempotency_key} if write.idempotency_key else {}
    deadline = time.monotonic() + RETRY_DEADLINE
    interrupted = False
    while time.monotonic() < deadline:
        try:
            response = await clients[write.client].post(
                write.path, json=write.body, headers=headers
            )
        except httpx.TransportError:
            response = None
        if response is None or response.status_code >= 500:
            figures.retries[write.kind] += 1
            interrupted = True
            await asyncio.sleep(0.1)
            continue
        if response.is_success:
            figures.acknowledged[write.kind] += 1
            figures.answered_after_retry[write.kind] += interrupted
        elif interrupted and response.status_code == 409 and "already voted" in response.text:
            # A press whose answer was lost with the server: the record has it (checked below).
            figures.settled_by_conflict[write.kind] += 1
        else:
            figures.refused.append(
                f"{write.kind} {write.key}: {response.status_code} {response.text}"
            )
            return
        figures.delivered[write.kind].append(write.key)
        return
    figures.refused.append(f"{write.kind} {write.key}: no answer in {RETRY_DEADLINE} s")


@attrs.define
class KillCount:
    """How many kills are done; writes are released in step with them."""

    done: int = 0
    changed: asyncio.Condition = attrs.field(factory=asyncio.Condition)

    async def add(self, kills: int = 1) -> None:
        async with self.changed:
            self.done += kills
            self.changed.notify_all()

    async def reached(self, kills: float) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.done >= kills)


async def paced(
    writes: Sequence[Write],
    send: Callable[[Write], Awaitable[None]],
    workers: int,
    kills: KillCount,
) -> None:
    """Send ``writes`` in order by ``workers`` clients, the n-th once n/len of the kills are
    done, so that traffic runs through every kill."""
    queue = collections.deque(enumerate(writes))

    async def worker() -> None:
        while queue:
            index, write = queue.popleft()
            await kills.reached(KILLS * index / len(writes))
            await send(write)

    await asyncio.gather(*(worker() for _ in range(workers)))


async def post_ok(client: httpx.AsyncClient, path: str, body: Any, key: str) -> httpx.Response:
    response = await client.post(path, json=body, headers={"Idempotency-Key": key})
    assert response.is_success, f"{path}: {response.status_code} {response.text}"
    return response


async def accounts(appliance: Appliance) -> dict[str, httpx.AsyncClient]:
    """``setup`` (a session with every administrative role) and one token client per device."""
    roles = {
        "setup": [
            "admin",
            "election-admin",
            "election-guardian",
            "elections.administrator",
            "parliament.clerk",
            "parliament.presiding",
        ],
        "sender": ["elections.sender"],
        "gateway": ["parliament.console"],
        **{device: ["ballot-device"] for device in DEVICES},
    }
    for name, granted in roles.items():
        args = [f"--role={role}" for role in granted]
        appliance.command("users", "add", name, *args, "--password-stdin", stdin=TEST_PASSWORD)
    setup = httpx.AsyncClient(base_url=appliance.url, timeout=60, headers={"Origin": appliance.url})
    signed_in = await setup.post("/-/login", json={"username": "setup", "password": TEST_PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    setup.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
    clients = {"setup": setup}
    for name in roles:
        if name != "setup":
            made = await post_ok(setup, "/-/tokens", {"username": name, "name": name}, f"t-{name}")
            token = made.json()["token"]
            clients[name] = httpx.AsyncClient(
                base_url=appliance.url, timeout=10, headers={"Authorization": f"Bearer {token}"}
            )
    return clients


async def protocol_writes(setup: httpx.AsyncClient, precincts: int) -> list[Write]:
    """An election of ``precincts`` commissions of 5 keyed members; a protocol from each."""
    profile = load_builtin(DEFAULT_PROFILE)
    base = f"/p/elections/elections/{CODE}"
    candidates = [{"id": cid, "name": name} for cid, name in CANDIDATES]
    await post_ok(
        setup,
        "/p/elections/elections",
        {"code": CODE, "title": "Faults", "kind": "presidential", "date": "2026-12-07"}
        | {"candidates": candidates, "profile": profile.name},
        "election",
    )
    commissions = layout(2, precincts, 0)
    await post_ok(setup, f"{base}/commissions", {"commissions": commissions}, "commissions")
    codes = [c["code"] for c in commissions if c["kind"] == "precinct"]
    keys = {code: list(member_keys(str(SEED), code, COMMISSION_MEMBERS)) for code in codes}
    members = [
        {"commission": code, "name": f"{code} {i}", "role": ROLES[i], "key": k.verify_key.hex()}
        for code in codes
        for i, k in enumerate(keys[code])
    ]
    await post_ok(setup, f"{base}/members", {"members": members}, "members")
    election = ElectionInfo(
        0, CODE, "Faults", profile, (implied_contest(CODE, "Faults", candidates),), {}, "open"
    )
    rng = random.Random(SEED)
    quorum = profile.quorum_of(COMMISSION_MEMBERS)
    writes = []
    for code in codes:
        lines, votes = az_protocol_values(rng, election.candidates)
        entry = signed_protocol(election, code, lines, votes, keys[code], signers=quorum)
        digest = protocol_digest(entry["protocol"]).hex()
        writes.append(Write("protocol", "sender", f"{base}/protocols", entry, digest))
    return writes


async def ballot_writes(setup: httpx.AsyncClient, voters: int) -> list[list[Write]]:
    """A secret-ballot election: ceremony, a credential per voter, then one chain per device."""
    ceremony = run_ceremony(seed=str(SEED), election_id=BALLOT_SCOPE)
    base = f"/-/elections/{BALLOT_SCOPE}"
    steps: list[tuple[str, Any]] = [
        ("/-/elections", {"scope": BALLOT_SCOPE, "parameters": ceremony.parameters.to_json()}),
        *((f"{base}/guardians", {"guardian": g.public_key.to_json()}) for g in ceremony.guardians),
        *((f"{base}/key-shares", share.to_json()) for share in ceremony.relayed),
        *(
            (
                f"{base}/confirmations",
                {
                    "guardian_id": g.guardian_id,
                    "signature": ceremony.confirmation(g.guardian_id).hex(),
                },
            )
            for g in ceremony.guardians
        ),
        *(
            (
                f"{base}/credentials",
                {"key": credential_key(str(SEED), v).verify_key.hex(), "name": f"v{v}"},
            )
            for v in range(voters)
        ),
        (f"{base}/open", None),
    ]
    for n, (path, body) in enumerate(steps):
        await post_ok(setup, path, body, f"evote-{n}")
    chains = []
    election = ceremony.election.to_json()
    for d, device in enumerate(DEVICES):
        plan = [(v, True) for v in range(d, voters, len(DEVICES))]
        chain = []
        for i, (signed, _) in enumerate(device_ballots((election, str(SEED), device, plan))):
            code = SignedBallot.from_json(signed).ballot.confirmation_code().hex()
            chain.append(
                Write("ballot", device, f"{base}/ballots", signed, code, f"{device}-ballot-{i}")
            )
        chains.append(chain)
    return chains


async def press_writes(setup: httpx.AsyncClient, gateway: httpx.AsyncClient) -> list[Write]:
    """A seated, registered chamber with a named vote open; each member's signed press."""
    roster, cards = chamber(MEMBERS, seed=str(SEED))
    sitting = "/p/parliament/sittings/1"
    await post_ok(
        setup, "/p/parliament/roster", {"convocation": "VII", "csv": roster_csv(roster)}, "roster"
    )
    opened = {"protocol": "1", "date": "2026-12-07", "presiding": "Sədr", "invited": []}
    await post_ok(setup, "/p/parliament/sittings", opened, "sitting")
    await post_ok(setup, f"{sitting}/registration", {"action": "open"}, "reg-open")

    def sig(kind: str, m: dict[str, Any], **fields: Any) -> str:
        signed = statement(
            kind, SITTING_SCOPE, member=m["member"], seat=m["seat"], card=m["card"], **fields
        )
        return cards[m["member"]].sign(signed).hex()

    for m in roster:
        card = {"seat": m["seat"], "card": m["card"], "inserted": True}
        assert (await gateway.post(f"{sitting}/cards", json=card)).status_code == 200
        press = {"seat": m["seat"], "key": "register", "sig": sig("register", m, round=1)}
        assert (await gateway.post(f"{sitting}/press", json=press)).status_code == 201
    await post_ok(setup, f"{sitting}/registration", {"action": "close"}, "reg-close")
    item = {
        "kind": "draft",
        "title": "Faults",
        "draft_number": "1",
        "reading": "I",
        "rule": "absolute",
    }
    await post_ok(setup, f"{sitting}/items", item, "item")
    vote = {"item": 1, "mode": "named", "question": "Qəbul edilsin"}
    await post_ok(setup, f"{sitting}/votes", vote, "vote")
    rng = random.Random(SEED)
    writes = []
    for m in roster:
        choice = rng.choice(("for", "against", "abstain"))
        press = {"seat": m["seat"], "key": choice, "sig": sig("vote", m, vote=1, choice=choice)}
        writes.append(Write("press", "gateway", f"{sitting}/press", press, m["member"]))
    return writes


def recorded(bundle: Path) -> dict[str, collections.Counter[str]]:
    """How often each natural key of each kind is in an exported bundle's events."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in (bundle / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        payload = event["payload"]
        if event["type"] == "elections.protocol_accepted":
            counts["protocol"][payload["digest"]] += 1
        elif event["type"] == "core.ballot_cast":
            counts["ballot"][payload["confirmation_code"]] += 1
        elif event["type"] == "parliament.vote_cast":
            counts["press"][payload["member"]] += 1
    return counts


def verify_exit(bundle: Path, fingerprint: str) -> int:
    """``urna verify``'s exit status for ``bundle`` against the appliance key (0: verified)."""
    command = [URNA, "verify", str(bundle), "--key", fingerprint, "--quiet"]
    return subprocess.run(command, check=False, timeout=600).returncode


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Empty for SQLite, else a new database on the test kit's PostgreSQL server."""
    if request.param == "sqlite":
        return ""
    server = request.getfixturevalue("urna_postgres_server")
    if isinstance(server, str):
        require_component("postgresql", server)
    url: str = server.create_database()
    return url


async def test_kill_nine_during_mixed_ingestion_loses_and_doubles_nothing(tmp_path, database_url):
    started = time.monotonic()
    appliance = Appliance(tmp_path / "appliance", database_url)
    fingerprint = appliance.command("init").rsplit("fingerprint: ", 1)[1].strip()
    appliance.command("db", "migrate")
    await appliance.start()
    figures = Figures()
    clients: dict[str, httpx.AsyncClient] = {}
    try:
        clients = await accounts(appliance)
        protocols = await protocol_writes(clients["setup"], 6 * KILLS)
        chains = await ballot_writes(clients["setup"], 2 * KILLS)
        presses = await press_writes(clients["setup"], clients["gateway"])
        kills = KillCount()

        async def send(write: Write) -> None:
            await deliver(clients, write, figures)

        async def kill_repeatedly() -> None:
            rng = random.Random(SEED)
            try:
                for _ in range(KILLS):
                    await asyncio.sleep(rng.uniform(*GAP))
                    await appliance.kill()
                    await appliance.start()
                    await kills.add()
            finally:  # release every write, also when a restart failed
                await kills.add(KILLS)

        await asyncio.gather(
            kill_repeatedly(),
            paced(protocols, send, 4, kills),
            *(paced(chain, send, 1, kills) for chain in chains),
            paced(presses, send, 3, kills),
        )
    finally:
        for client in clients.values():
            await client.aclose()
        await appliance.kill(signal.SIGTERM)
    bundles = {}
    for kind, scope in (
        ("protocol", scope_of(CODE)),
        ("ballot", BALLOT_SCOPE),
        ("press", SITTING_SCOPE),
    ):
        bundles[kind] = tmp_path / kind
        appliance.command("record", "export", scope, str(bundles[kind]))
    lost: collections.Counter[str] = collections.Counter()
    duplicated: collections.Counter[str] = collections.Counter()
    unknown: collections.Counter[str] = collections.Counter()
    for kind, bundle in bundles.items():
        counts = recorded(bundle)[kind]
        lost[kind] = sum(1 for key in figures.delivered[kind] if counts[key] == 0)
        duplicated[kind] = sum(n - 1 for n in counts.values() if n > 1)
        unknown[kind] = len(set(counts) - set(figures.delivered[kind]))
    verified = {kind: verify_exit(bundle, fingerprint) for kind, bundle in bundles.items()}
    print(
        f"\nfaults on {database_url.split(':')[0] or 'sqlite'} (seed {SEED}): "
        f"{KILLS} kills, {appliance.starts} starts, "
        f"{time.monotonic() - started:.0f} s wall time"
    )
    for kind in ("protocol", "ballot", "press"):
        print(
            f"  {kind}: {figures.acknowledged[kind]} acknowledged (2xx), "
            f"{figures.settled_by_conflict[kind]} settled by 409 after a lost answer, "
            f"{figures.retries[kind]} re-sends, "
            f"{figures.answered_after_retry[kind]} acknowledged after a re-send, "
            f"{lost[kind]} lost, {duplicated[kind]} duplicated, "
            f"{unknown[kind]} recorded but never answered, verify exit {verified[kind]}"
        )
    assert not figures.refused, "\n".join(figures.refused[:20])
    assert sum(lost.values()) == 0
    assert sum(duplicated.values()) == 0
    assert verified == dict.fromkeys(bundles, 0)
