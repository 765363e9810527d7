"""Full-text search of the stenogram over 2,000 speeches' transcripts, against issue 15's
target: p99 < 50 ms, on SQLite (FTS5) and PostgreSQL (GIN over ``to_tsvector``).

Measured in the same run beside two baselines on the same rows: the floor (one speech
fetched by its unique key, the cheapest query the database answers) and the search
without the index (``LIKE '%word%'`` over every transcript, what a search would cost
without migration 0002's index).

Run: ``pytest benchmarks/parliament/test_bench_stenogram_search.py -p no:randomly
--benchmark-only -s``.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from urna.plugins import make_plugin_manager
from urna.shell.registry import build_registry
from urna.testing import require_component
from urna_parliament.models import SpeechRecord, Transcript
from urna_parliament.search import BEST, full_text, search_speeches

SPEECHES = 2000
SITTINGS = 40
ROUNDS = 400
WORDS = [
    "büdcə",
    "vergi",
    "gömrük",
    "təhsil",
    "səhiyyə",
    "kənd",
    "təsərrüfatı",
    "sahibkarlıq",
    "investisiya",
    "məcəllə",
    "qanun",
    "layihə",
    "oxunuş",
    "komitə",
    "hökumət",
    "nazirlik",
    "regionlar",
    "infrastruktur",
    "yol",
    "tikinti",
    "enerji",
    "neft",
    "qaz",
    "su",
    "ekologiya",
    "mədəniyyət",
    "idman",
    "gənclər",
    "ailə",
    "uşaq",
    "pensiya",
    "müavinət",
    "əmək",
    "məşğulluq",
    "maaş",
    "inflyasiya",
    "bank",
    "kredit",
    "sığorta",
    "torpaq",
    "mülkiyyət",
    "məhkəmə",
    "hüquq",
    "konstitusiya",
    "seçki",
    "bələdiyyə",
    "nəqliyyat",
    "rəqəmsal",
    "xidmət",
    "internet",
    "təhlükəsizlik",
    "müdafiə",
]
FILLER = [
    "hörmətli",
    "sədr",
    "deputatlar",
    "təklif",
    "edirəm",
    "ki",
    "bu",
    "məsələ",
    "üzrə",
    "müzakirə",
    "davam",
    "etsin",
    "və",
    "layihəyə",
    "dəyişiklik",
    "edilsin",
    "çünki",
    "vətəndaşlar",
    "üçün",
    "vacibdir",
]
QUERIES = ("vergi", "gömrük hüquq", "pensiya müavinət", "rəqəmsal", "kənd torpaq", "büdcə")


@pytest.fixture(params=["sqlite", "postgresql"])
def urna_database(
    request: pytest.FixtureRequest, urna_plugins, urna_migrated_templates
) -> Iterator[str]:
    """Both databases (the parliament benchmarks' conftest keeps SQLite only)."""
    if request.param == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("urna_postgres_server")
    if isinstance(server, str):
        require_component("postgresql", server)
    apps = build_registry(make_plugin_manager(urna_plugins)).model_apps
    url = urna_migrated_templates.postgres_database(server, apps)
    yield url
    server.drop_database(url)


def transcript(rng: random.Random) -> str:
    """About 150 words: the filler of a speech with topic words among it."""
    words = [rng.choice(FILLER) for _ in range(130)] + rng.sample(WORDS, 20)
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


async def timed(call: Callable[[], Awaitable[Any]], rounds: int = ROUNDS) -> list[float]:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 3),
    }


async def test_full_text_search_over_2000_speeches(urna_services, urna_database, benchmark):
    rng = random.Random(15)
    per_sitting = SPEECHES // SITTINGS
    await SpeechRecord.bulk_create(
        [
            SpeechRecord(
                sitting=1 + n // per_sitting,
                speech=1 + n % per_sitting,
                item=1,
                matter="Gündəlik",
                speaker=f"m{1 + n % 125:03d}",
                member=f"m{1 + n % 125:03d}",
                started="2026-03-10T08:00:00Z",
                ended="2026-03-10T08:05:00Z",
            )
            for n in range(SPEECHES)
        ]
    )
    await Transcript.bulk_create(
        [
            Transcript(
                sitting=1 + n // per_sitting, speech=1 + n % per_sitting, text=transcript(rng)
            )
            for n in range(SPEECHES)
        ]
    )
    queries = iter(QUERIES * ROUNDS)
    counts = {q: len((await search_speeches(text=q)).speeches) for q in QUERIES}
    assert all(counts.values()), counts

    search = await timed(lambda: search_speeches(text=next(queries)))
    query_only = await timed(lambda: full_text(next(queries), BEST))
    floor = await timed(lambda: SpeechRecord.filter(sitting=7, speech=3).first())
    unindexed = await timed(
        lambda: Transcript.filter(text__icontains="gömrük").values_list("id", flat=True), 40
    )
    database = "postgresql" if urna_database else "sqlite"
    benchmark.extra_info.update(
        {
            "database": database,
            "speeches": SPEECHES,
            "matches_per_query": counts,
            "full_text_search": summary(search),
            "of_which_the_full_text_query": summary(query_only),
            "baseline_unique_key_lookup": summary(floor),
            "baseline_like_scan_without_index": summary(unindexed),
            "search_p50_over_lookup_p50": round(
                statistics.median(search) / statistics.median(floor), 1
            ),
        }
    )
    print(f"\nstenogram search ({database}):", benchmark.extra_info)
    benchmark.pedantic(lambda: None, rounds=1)
