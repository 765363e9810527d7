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
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from urna.testing import serve_in_process
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.importer import RU_2012_CANDIDATES, import_protocols, ru_2012_mapping
from urna_elections.law import load_builtin
from urna_elections.results import compute
from urna_elections.structure import add_commissions, create_election

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
    print(f"\nimport + checks + aggregation of {imported} protocols: {seconds:.1f} s")


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
    """One HTTP/1.1 response with a Content-Length (what sanic sends for JSON)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
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
