"""Fuzzing every route of /-/openapi.json with schemathesis: no input is answered with a 5xx.

The caller holds every role (an API token, so writes need no CSRF token), so the
fuzzer gets past the permission checks into the handlers. Each route gets cases
with random path parameters and cases with the names of things that exist (an
election, a draft, a scope, a user), random query strings, and random JSON
bodies whose keys are drawn from every field name the handlers read: a handler
that passes an unchecked value on (a list where a name belongs, a string too
long for its column) answers 500 and fails the test.

The short run is in the default suite (SQLite); ``pytest -m slow`` runs many
more cases per route on both databases.
"""

from __future__ import annotations

import asyncio
import re
from importlib import resources
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from urna.testing import UrnaServer

SHORT_EXAMPLES = 40
LONG_EXAMPLES = 300
# Routes whose every valid call costs an Argon2id derivation or a PDF: fewer cases.
EXPENSIVE = re.compile(r"/(reports|sign|members|users|login)\b")
# The names handlers read from bodies and items: `body.get("x")`, `field(body, "x", ...)`.
_READS = re.compile(r"""(?:\.get\(|field\(\w+, )["']([a-z_]+)["']""")
_SOURCES = ("urna.shell", "urna_elections", "urna_evoting", "urna_parliament", "urna_example")


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["*"]


def field_names() -> list[str]:
    names: set[str] = set()
    for package in _SOURCES:
        for module in resources.files(package).iterdir():
            if module.name.endswith(".py"):
                names.update(_READS.findall(module.read_text(encoding="utf-8")))
    return sorted(names)


def fuzzable(document: dict[str, Any]) -> dict[str, Any]:
    """The served description, each body's keys named after the fields handlers read."""
    any_value: dict[str, Any] = {}
    body_schema = {"type": "object", "properties": dict.fromkeys(field_names(), any_value)}
    for item in document["paths"].values():
        for operation in item.values():
            if "requestBody" in operation:
                operation["requestBody"]["content"]["application/json"]["schema"] = body_schema
    return document


async def seed(server: UrnaServer) -> dict[str, Any]:
    """An election with a precinct and a draft, and an e-voting election, so that known
    names reach the handlers."""
    roles = sorted(server.services.registry.roles)
    admin = await server.token_client("fuzz-admin", roles)
    created = await admin.post(
        "/p/elections/elections",
        json={
            "code": "F1",
            "title": "Fuzz",
            "date": "2026-01-01",
            "candidates": [{"id": "A", "name": "Ann"}],
        },
        headers={"Idempotency-Key": "seed-election"},
    )
    assert created.status_code == 201, created.text
    # An e-voting election whose only guardian is the fuzzer, with a voter and a booth.
    from urna_evoting.demo import election_file
    from urna_evoting.setup import create_election, import_voters

    evoting = election_file("fuzz", guardians=1, quorum=1)
    evoting["guardians"] = [{"name": "Fuzz", "user": "fuzz-admin"}]
    await create_election(server.services, evoting)
    await import_voters(server.services, "voter_id,name\nv1,Voter\n")
    return {
        "code": "F1",
        "scope": created.json()["scope"],
        "username": "fuzz-admin",
        "draft_id": 1,
        "precinct": "1",
        "unit": "1",
        "name": "portal.css",
        "token": admin.headers["Authorization"],
    }


def fuzz(url: str, known: dict[str, Any], examples: int) -> list[str]:
    """Run the fuzzer over every operation; answer one line per route that gave a 5xx."""
    document = fuzzable(requests.get(f"{url}/-/openapi.json", timeout=30).json())
    schema = schemathesis.openapi.from_dict(document)
    session = requests.Session()
    session.headers["Authorization"] = known["token"]
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        fixed = {name: known[name] for name in names if name in known}
        cases = st.one_of(
            operation.as_strategy(),
            operation.as_strategy(path_parameters=fixed),
        )
        budget = max(2, examples // 4) if EXPENSIVE.search(operation.path) else examples

        @hypothesis.settings(
            max_examples=budget,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.generate],
        )
        @hypothesis.given(case=cases)
        def check(case: Any) -> None:
            response = case.call(base_url=url, session=session, timeout=60)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:200]} (sent {case.body!r:.300})"
            )

        try:
            check()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    return failures


@pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)
async def test_no_input_is_answered_with_a_server_error(urna_server):
    known = await seed(urna_server)
    failures = await asyncio.to_thread(fuzz, urna_server.url, known, SHORT_EXAMPLES)
    assert failures == [], "\n".join(failures)


@pytest.mark.slow
async def test_no_input_is_answered_with_a_server_error_long_run(urna_server):
    known = await seed(urna_server)
    failures = await asyncio.to_thread(fuzz, urna_server.url, known, LONG_EXAMPLES)
    assert failures == [], "\n".join(failures)
