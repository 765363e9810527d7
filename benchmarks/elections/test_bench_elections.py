"""Elections benchmarks: the real 95,415-protocol import, and protocols over HTTP.

``test_import_95415`` measures, on SQLite, reading the 2012 file, checking every
protocol against the law, storing the structure and the protocols with their
ledger events, and aggregating (target < 60 s). ``test_http_*`` measures 8
concurrent clients posting protocols signed by 5 members each (quorum 4 of 5
verified per protocol) against a real sanic server: accepted protocols/s and
p99 latency (targets >= 500/s on SQLite, p99 < 250 ms), with one and two sanic
workers on SQLite and two on PostgreSQL. Run:

    pytest benchmarks/elections --benchmark-only -s
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gettext
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
import zoneinfo
from pathlib import Path

import httpx
import pytest
from urna.testing import serve_in_process
from urna_elections.generate import (
    az_protocol_values,
    generate_election,
    signed_protocol,
    us_general_file,
)
from urna_elections.importer import (
    RU_2012_CANDIDATES,
    ColumnMapping,
    import_protocols,
    ru_2012_mapping,
)
from urna_elections.law import load_builtin
from urna_elections.protocols import accept_many
from urna_elections.results import compute
from urna_elections.structure import add_commissions, create_election, load_election

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
RU_2012 = SHARED_DATA / "protocols" / "ru-2012-presidential.csv.zip"
CLIENTS = 8
PROTOCOLS = 3000


@pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
def test_import_95415(benchmark, urna_settings, urna_pm):
    if not RU_2012.exists():
        pytest.skip("shared data not available")
    data = RU_2012.read_bytes()
    text = zipfile.ZipFile(RU_2012).read("2012.csv").decode("utf-8")
    header = next(csv.reader(io.StringIO(text)))

    async def once() -> tuple[int, float]:
        async with serve_in_process(urna_settings, urna_pm) as server:
            return await _import(server.services.ledger)

    async def _import(ledger) -> tuple[int, float]:
        code = "ru-2012"
        election = await create_election(
            ledger,
            code=code,
            title="2012",
            kind="presidential",
            date="2012-03-04",
            profile=load_builtin("ru-2012-presidential"),
            candidates=[{"id": c, "name": n} for c, n in RU_2012_CANDIDATES],
        )
        await add_commissions(ledger, election, [{"code": "cec", "name": "CEC", "kind": "central"}])
        started = time.perf_counter()
        report = await import_protocols(
            ledger, election, "2012.csv", data, text, ru_2012_mapping(header)
        )
        results = await compute(election)
        assert report.imported == 95_415
        assert not report.rejected
        assert results.totals["cec"]["received"] == 95_415
        return report.imported, time.perf_counter() - started

    imported, seconds = benchmark.pedantic(lambda: asyncio.run(once()), rounds=1, iterations=1)
    print(
        f"\nimport + checks + aggregation of {imported} protocols (wide rows): {seconds:.1f} s, "
        f"{imported / seconds:,.0f} rows/s"
    )


@pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
def test_import_long_100000(benchmark, urna_settings, urna_pm):
    """A generated US general election as a long file of 100,000+ precinct-contest-candidate
    rows (1,620 precincts, 20 contests, two vote types): read, check, store, aggregate."""
    generated = us_general_file("bench", counties=20, precincts_per_county=81)
    assert generated.rows >= 100_000
    data = generated.text.encode()

    async def once() -> float:
        async with serve_in_process(urna_settings, urna_pm) as server:
            ledger = server.services.ledger
            election = await create_election(
                ledger,
                code="us-bench",
                title="General election (generated)",
                kind="general",
                date="2028-11-07",
                profile=load_builtin("us-general"),
            )
            await add_commissions(
                ledger, election, [{"code": "state", "name": "State", "kind": "central"}]
            )
            started = time.perf_counter()
            report = await import_protocols(
                ledger,
                election,
                "us.csv",
                data,
                generated.text,
                ColumnMapping.from_json(generated.mapping),
            )
            results = await compute(await load_election("us-bench"))
            assert report.imported == generated.precincts
            assert not report.rejected
            assert results.totals["state"]["received"] == generated.precincts
            return time.perf_counter() - started

    seconds = benchmark.pedantic(lambda: asyncio.run(once()), rounds=1, iterations=1)
    print(
        f"\nlong file: {generated.rows:,} rows, {generated.precincts:,} precincts, "
        f"{generated.contests} contests: {seconds:.1f} s, {generated.rows / seconds:,.0f} rows/s"
    )


async def _prepare(server) -> tuple[str, list[dict], list[dict[str, str]]]:
    """An election of PROTOCOLS precincts with 5 members each, its signed protocols, and one
    API token per client (role elections.sender)."""
    generated = await generate_election(
        server.services.ledger, constituencies=20, precincts=PROTOCOLS, abroad=0, members=5
    )
    election = generated.election
    rng = random.Random(7)
    entries = [
        signed_protocol(
            election,
            p,
            *az_protocol_values(rng, election.candidates),
            generated.member_keys(p),
            signers=5,
        )
        for p in generated.precincts
    ]
    headers = []
    for i in range(CLIENTS):
        client = await server.token_client(f"sender-{i}", ["elections.sender"])
        headers.append({"Authorization": client.headers["Authorization"]})
    return election.code, entries, headers


async def _send_all(url: str, code: str, entries, headers) -> dict[str, float]:
    """CLIENTS clients, each sending its share of the protocols one after another on one
    HTTP/1.1 keep-alive connection, and checking every answer (201, created).

    The load generator is deliberately cheap (raw asyncio streams, requests encoded before
    the clock starts): it shares the machine's cores with the server, and an HTTP client
    library cost more CPU per protocol than the server itself. Its own CPU per protocol is
    reported beside the server's."""
    latencies: list[float] = []
    host, _, port = url.removeprefix("http://").partition(":")
    path = f"/p/elections/elections/{code}/protocols"

    def request(body: bytes, authorization: str) -> bytes:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {authorization}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode("ascii") + body

    requests = [
        [
            (
                entry["protocol"]["precinct"],
                request(json.dumps(entry).encode(), headers[i]["Authorization"]),
            )
            for entry in entries[i::CLIENTS]
        ]
        for i in range(CLIENTS)
    ]

    async def worker(mine: list[tuple[str, bytes]]) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for precinct, raw in mine:
                started = time.perf_counter()
                writer.write(raw)
                status, body = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                assert status == 201, body
                answer = json.loads(body)
                assert answer["created"], answer
                assert answer["precinct"] == precinct, answer
        finally:
            writer.close()

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker(mine) for mine in requests))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    latencies.sort()
    return {
        "protocols": len(entries),
        "per_second": len(entries) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1],
        "client_cpu_ms_per_protocol": 1000 * cpu / len(entries),
    }


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a Content-Length (what sanic sends), or a 304."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    if status == 304:
        return status, b""
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    assert length is not None, head
    return status, await reader.readexactly(length)


@contextlib.contextmanager
def _urna_serve(settings, workers: int):
    """``urna serve`` in its own process (``workers`` sanic workers), as an appliance runs."""
    config = settings.data_dir / "bench.toml"
    lines = [
        f'data_dir = "{settings.data_dir}"',
        f'database_url = "{settings.database_url}"',
        "[server]",
        f'host = "{settings.host}"',
        f"port = {settings.port}",
        f"workers = {workers}",
        "[plugins]",
        'allow = ["elections"]',
    ]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = (settings.data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("urna")),
            "--config",
            str(config),
            "serve",
            "--no-migrate",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://{settings.host}:{settings.port}/-/plugins.json").is_success:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((settings.data_dir / "serve.log").read_text()[-2000:])
            time.sleep(0.2)
        yield f"http://{settings.host}:{settings.port}", process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants (the sanic workers), from
    /proc: on a shared machine the rate depends on what else runs, this does less."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return total


@pytest.mark.parametrize(
    ("urna_database", "workers"),
    [("sqlite", 1), ("sqlite", 2), ("postgresql", 2)],
    ids=["sqlite-1-worker", "sqlite-2-workers", "postgresql-2-workers"],
    indirect=["urna_database"],
)
def test_http_protocols(benchmark, urna_settings, urna_pm, urna_database, workers):
    """The server runs as ``urna serve`` in its own process with ``workers`` sanic workers;
    the clients run here. The election and tokens are prepared beforehand through an
    in-process server on the same database."""

    async def prepare():
        async with serve_in_process(urna_settings, urna_pm) as server:
            return await _prepare(server)

    code, entries, headers = asyncio.run(prepare())
    with _urna_serve(urna_settings, workers) as (url, pid):
        before = _cpu_seconds(pid)
        figures = benchmark.pedantic(
            lambda: asyncio.run(_send_all(url, code, entries, headers)), rounds=1, iterations=1
        )
        figures["server_cpu_ms_per_protocol"] = 1000 * (_cpu_seconds(pid) - before) / len(entries)
    database = f"{'PostgreSQL' if urna_database else 'SQLite'}, {workers} sanic worker(s)"
    print(
        f"\n{database}: {CLIENTS} clients, {PROTOCOLS} protocols x 5 signatures: "
        f"{figures['per_second']:.0f} protocols/s, p50 {figures['p50_ms']:.0f} ms, "
        f"p99 {figures['p99_ms']:.0f} ms; server CPU "
        f"{figures['server_cpu_ms_per_protocol']:.2f} ms per protocol, client (load "
        f"generator) CPU {figures['client_cpu_ms_per_protocol']:.2f} ms per protocol"
    )
    benchmark.extra_info.update(figures, database=database)


# --- election night: results read by many while protocols keep arriving ----------------

NIGHT_SECONDS = float(os.environ.get("URNA_ELECTION_NIGHT_SECONDS", "300"))
"""How long the election-night run lasts (300 s for the issue's figures; shorter for a
quick look: ``URNA_ELECTION_NIGHT_SECONDS=20``)."""
READERS, WRITERS = 30, 20
READER_PAUSE, WRITER_PAUSE = 0.1, 0.2
"""Each reader asks every 0.1 s (300 reads/s in all), each writer sends every 0.2 s (100
protocols/s in all: 6,537 precincts would report in about a minute)."""
BARE_APP = """
from sanic import Sanic
from sanic.response import raw

app = Sanic("bare")


@app.get("/")
async def bare(request):
    return raw(b"{}", content_type="application/json")
"""


@contextlib.contextmanager
def _bare_sanic(directory: Path, port: int):
    """A bare sanic app answering a fixed body: the baseline measured beside Urna."""
    (directory / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "sanic", "bare_app:app", "--port", str(port), "--no-access-logs"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/").is_success:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare sanic app did not start")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _night(url: str, bare: str, generated, sent: dict[str, str], token: str) -> dict:
    """READERS readers (results.json and the portal pages, revalidating with the ETag they
    hold, as a browser does), WRITERS writers (new protocols, then repeat protocols signed
    here as they go) and one reader of the bare app, until NIGHT_SECONDS have passed."""
    election = generated.election
    host, _, port = url.removeprefix("http://").partition(":")
    code = election.code
    reads = [
        f"/p/elections/elections/{code}/results.json",
        f"/p/elections/portal/{code}",
        f"/p/elections/portal/{code}/con001",
        f"/p/elections/portal/{code}/{generated.precincts[0]}",
    ]
    latencies: dict[str, list[float]] = {"read": [], "write": [], "bare": []}
    counts = {"304": 0, "errors": 0}
    deadline = time.monotonic() + NIGHT_SECONDS
    rng = random.Random(11)

    async def reader(number: int, target_host: str, target_port: int, kind: str) -> None:
        r, w = await asyncio.open_connection(target_host, target_port)
        etags: dict[str, str] = {}
        try:
            while time.monotonic() < deadline:
                path = reads[number % len(reads)] if kind == "read" else "/"
                number += 1
                condition = f"If-None-Match: {etags[path]}\r\n" if path in etags else ""
                started = time.perf_counter()
                w.write(
                    f"GET {path} HTTP/1.1\r\nHost: {target_host}\r\nAccept: text/html\r\n"
                    f"Accept-Language: en\r\n{condition}\r\n".encode()
                )
                status, _ = await _read_response_etag(r, etags, path)
                latencies[kind].append(time.perf_counter() - started)
                if status == 304:
                    counts["304"] += 1
                elif status != 200:
                    counts["errors"] += 1
                await asyncio.sleep(READER_PAUSE)
        finally:
            w.close()

    async def writer(mine: list[str]) -> None:
        r, w = await asyncio.open_connection(host, int(port))
        path = f"/p/elections/elections/{code}/protocols"
        try:
            while time.monotonic() < deadline:
                precinct = rng.choice(mine)
                lines, votes = az_protocol_values(rng, election.candidates)
                extra = (
                    {"supersedes": sent[precinct], "reason": "recount"} if precinct in sent else {}
                )
                entry = signed_protocol(
                    election, precinct, lines, votes, generated.member_keys(precinct), **extra
                )
                body = json.dumps(entry).encode()
                started = time.perf_counter()
                head = (
                    f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {token}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                )
                w.write(head.encode() + body)
                status, answer = await _read_response(r)
                latencies["write"].append(time.perf_counter() - started)
                if status != 201:
                    counts["errors"] += 1
                else:
                    sent[precinct] = json.loads(answer)["digest"]
                await asyncio.sleep(WRITER_PAUSE)
        finally:
            w.close()

    bare_host, _, bare_port = bare.removeprefix("http://").partition(":")
    await asyncio.gather(
        *(reader(i, host, int(port), "read") for i in range(READERS)),
        *(writer(list(generated.precincts[i::WRITERS])) for i in range(WRITERS)),
        reader(0, bare_host, int(bare_port), "bare"),
    )
    figures: dict[str, float] = {"errors": counts["errors"], "not_modified": counts["304"]}
    for kind, values in latencies.items():
        values.sort()
        figures[f"{kind}s"] = len(values)
        figures[f"{kind}_p50_ms"] = 1000 * values[len(values) // 2]
        figures[f"{kind}_p99_ms"] = 1000 * values[int(len(values) * 0.99) - 1]
    figures["read_p99_over_bare_p99"] = figures["read_p99_ms"] / figures["bare_p99_ms"]
    return figures


async def _read_response_etag(reader, etags: dict[str, str], path: str) -> tuple[int, bytes]:
    """A response (``_read_response``), keeping the ETag it carries for ``path``."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"etag":
            etags[path] = value.strip().decode()
        elif name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length) if status != 304 else b""


@pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
def test_election_night(benchmark, urna_settings, urna_pm, unused_tcp_port_factory):
    """A 6,537-precinct election, half its protocols in; then NIGHT_SECONDS of reads and
    signed writes over HTTP against ``urna serve`` (one sanic worker, SQLite), a bare sanic
    response measured beside it. Targets: 0 errors, read p99 < 50 ms, write p99 < 250 ms."""

    async def prepare():
        async with serve_in_process(urna_settings, urna_pm) as server:
            ledger = server.services.ledger
            generated = await generate_election(ledger, members=5)
            election = generated.election
            rng = random.Random(3)
            sent = {}
            half = generated.precincts[::2]
            for start in range(0, len(half), 500):
                entries = [
                    signed_protocol(
                        election,
                        p,
                        *az_protocol_values(rng, election.candidates),
                        generated.member_keys(p),
                    )
                    for p in half[start : start + 500]
                ]
                for outcome in await accept_many(ledger, election, entries, "api"):
                    sent[outcome.precinct] = outcome.digest
            client = await server.token_client("sender", ["elections.sender"])
            return generated, sent, client.headers["Authorization"]

    generated, sent, token = asyncio.run(prepare())
    with (
        _urna_serve(urna_settings, 1) as (url, pid),
        _bare_sanic(urna_settings.data_dir, unused_tcp_port_factory()) as bare,
    ):
        before = _cpu_seconds(pid)
        figures = benchmark.pedantic(
            lambda: asyncio.run(_night(url, bare, generated, sent, token)), rounds=1, iterations=1
        )
        figures["server_cpu_s"] = _cpu_seconds(pid) - before
    print(f"\nelection night, {NIGHT_SECONDS:.0f} s, SQLite, 1 sanic worker: {figures}")
    benchmark.extra_info.update(figures)
    assert figures["errors"] == 0


# --- publishing: open data and the NIST report of a 6,537-precinct election -------------


def _demo_sized_results():
    """The results of a 6,537-precinct election with every protocol in, built in memory
    with the same pure functions as the appliance (no database: only publishing is timed)."""
    from urna_elections.contests import implied_contest
    from urna_elections.generate import CANDIDATES, layout
    from urna_elections.hierarchy import Commission, aggregate, central_of, children_of
    from urna_elections.law import DEFAULT_PROFILE
    from urna_elections.protocol import make_document, protocol_digest
    from urna_elections.record import CurrentProtocol
    from urna_elections.results import Results
    from urna_elections.structure import ElectionInfo

    election = ElectionInfo(
        id=1,
        code="az-2024",
        title="Presidential election",
        profile=load_builtin(DEFAULT_PROFILE),
        contests=(
            implied_contest(
                "az-2024", "Presidential election", [{"id": c, "name": n} for c, n in CANDIDATES]
            ),
        ),
        districts={},
        status="official",
    )
    commissions = {
        c["code"]: Commission(c["code"], c["name"], c["kind"], c["parent"])
        for c in layout(125, 6537, 40)
    }
    rng = random.Random(2024)
    protocols = {}
    for code, commission in commissions.items():
        if commission.kind == "precinct":
            lines, votes = az_protocol_values(rng, election.candidates)
            doc = make_document(
                election=election.code,
                precinct=code,
                profile=election.profile.name,
                lines=lines,
                votes=votes,
            )
            protocols[code] = CurrentProtocol(protocol_digest(doc).hex(), doc, "seq 1")
    totals = aggregate(
        commissions,
        (p.doc for p in protocols.values()),
        election.profile.line_ids,
        election.candidates,
    )
    central = central_of(commissions)
    assert central is not None
    return Results(election, commissions, totals, protocols, central, children_of(commissions))


def test_publish_6537_precincts(benchmark, tmp_path):
    """Open data CSV and JSON, the NIST report and its check against NIST's schema (when the
    shared data holds it) for the demo-sized election. Target: seconds, not minutes."""
    from urna.api import Translator
    from urna_elections.publish import publish_files

    results = _demo_sized_results()
    schema = SHARED_DATA / "nist" / "NIST_V2_election_results_reporting.json"
    english = Translator("en", gettext.NullTranslations(), zoneinfo.ZoneInfo("UTC"))
    lines: list[str] = []

    def publish():
        lines.clear()
        return publish_files(
            results,
            tmp_path / "published",
            english,
            generated="2024-02-08T12:00:00Z",
            election_date="2024-02-07",
            schema=schema if schema.exists() else None,
            say=lines.append,
        )

    _, problems = benchmark.pedantic(publish, rounds=3, iterations=1)
    assert not problems
    print("\npublishing 6,537 precincts:", "; ".join(lines))
