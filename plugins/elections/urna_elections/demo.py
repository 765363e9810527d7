"""The demo: an Azerbaijan-sized election on one appliance, end to end.

Structure (125 constituencies, abroad, 6,537 precincts, 6 members each),
turnout at the law's hours, a protocol signed by a quorum of members from
every precinct (five fail a control ratio at first, are refused with the
ratio named, recounted and accepted; three are corrected afterwards by a
repeat protocol), official results, open data and a checked NIST report.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import click
from urna.api import DemoContext, DemoResult, translator

from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.official import mark_official, missing_precincts
from urna_elections.protocol import protocol_digest
from urna_elections.protocols import ProtocolRejected, accept_many, accept_signed
from urna_elections.publish import publish_files
from urna_elections.results import compute, report_turnout

# NIST's schema is not redistributed with Urna: the demo validates against it when it is
# found (URNA_NIST_SCHEMA, or the shared data beside the working directory's checkout).
NIST_SCHEMA = Path(
    os.environ.get("URNA_NIST_SCHEMA")
    or Path.cwd().parent / "shared/data/nist/NIST_V2_election_results_reporting.json"
)


async def run_demo(context: DemoContext) -> DemoResult:
    ledger = context.services.ledger
    started = time.perf_counter()
    generated = await generate_election(ledger)
    election = generated.election
    click.echo(
        f"  structure: {len(generated.precincts)} precincts, "
        f"{len(generated.precincts) * generated.members} member keys "
        f"({time.perf_counter() - started:.1f} s)"
    )
    rng = random.Random(2024)  # noqa: S311 - made-up demo figures, not secrets
    values = {p: az_protocol_values(rng, election.candidates) for p in generated.precincts}
    for share, hour in zip(
        (0.1, 0.25, 0.45, 0.6, 0.7), election.profile.turnout_hours, strict=True
    ):
        await report_turnout(
            ledger,
            election,
            [
                {"precinct": p, "hour": hour, "voters": int(values[p][0]["100.2.5"] * share / 0.7)}
                for p in generated.precincts
            ],
        )
    click.echo(f"  turnout reported at {', '.join(election.profile.turnout_hours)}")
    quorum = election.profile.quorum_of(generated.members)
    failing = set(generated.precincts[100:5100:1000])
    refused = 0
    signing_started = time.perf_counter()
    chunk = 500  # one unit (one commit, one fsync) per chunk, through ledger.run
    for start in range(0, len(generated.precincts), chunk):
        entries = []
        for precinct in generated.precincts[start : start + chunk]:
            lines, votes = values[precinct]
            keys = generated.member_keys(precinct)
            if precinct in failing:  # keyed in wrong: refused, then recounted and sent again
                bad = dict(lines, **{"100.2.14": lines["100.2.14"] + 3})
                entries.append(
                    signed_protocol(election, precinct, bad, votes, keys, signers=quorum)
                )
            entries.append(signed_protocol(election, precinct, lines, votes, keys, signers=quorum))
        for outcome in await accept_many(ledger, election, entries, "entry"):
            if isinstance(outcome, ProtocolRejected):
                refused += 1
                click.echo(f"  refused: {outcome.problems[0]}")
    elapsed = time.perf_counter() - signing_started
    click.echo(
        f"  {len(generated.precincts)} protocols signed by {quorum} members each and "
        f"accepted in {elapsed:.1f} s ({refused} refused first for a failed ratio)"
    )
    corrected = []
    for precinct in generated.precincts[7:3007:1000]:
        lines, votes = values[precinct]
        first = signed_protocol(
            election, precinct, lines, votes, generated.member_keys(precinct), signers=quorum
        )
        moved = dict(votes)
        moved["c1"], moved["c2"] = votes["c1"] + 2, votes["c2"] - 2
        if moved["c2"] < 0:
            continue
        await accept_signed(
            ledger,
            election,
            signed_protocol(
                election,
                precinct,
                lines,
                moved,
                generated.member_keys(precinct),
                signers=quorum,
                supersedes=protocol_digest(first["protocol"]).hex(),  # type: ignore[arg-type]
                reason="recount ordered by the constituency commission: two ballots misassigned",
            ),
            "entry",
        )
        corrected.append(precinct)
    click.echo("  3 protocols corrected by repeat protocols")
    incomplete = bool(missing_precincts(await compute(election)))
    reason = "Demo: the precincts not sent stand for protocols that never arrived."
    official = await mark_official(ledger, election, reason if incomplete else "")
    click.echo(
        f"  results official: {official['received']} of {official['expected']} protocols"
        + (f", {official['missing']} missing, with the reason recorded" if incomplete else "")
    )
    results = await compute(await _reload(election.code))
    out = context.reports_dir / "elections"
    words = translator(context.services, context.services.settings.language)
    published, problems = publish_files(
        results,
        out,
        words,
        generated="2024-02-08T12:00:00Z",
        election_date="2024-02-07",
        schema=NIST_SCHEMA if NIST_SCHEMA.exists() else None,  # noqa: ASYNC240 - one stat
        say=lambda line: click.echo(f"  {line}"),
    )
    if problems is not None:
        click.echo(f"  NIST report: {'valid' if not problems else problems[:3]}")
    precincts = [generated.precincts[0], *corrected[:1]]
    written = await _reports(election, results, out, precincts, words)
    click.echo(f"  demo took {time.perf_counter() - started:.1f} s")
    base = f"/p/elections/portal/{election.code}"
    return DemoResult(
        scopes=(election.scope,),
        reports=(*published, *written),
        urls=(base, f"{base}/con001", f"/p/elections/elections/{election.code}/results.json"),
    )


async def _reports(election, results, out: Path, precincts: list[str], words) -> list[Path]:  # type: ignore[no-untyped-def]
    """The printable reports and charts, written beside the open data in the appliance's
    language (``words``, its translator)."""
    from urna_elections import reports
    from urna_elections.plugin import precinct_protocol_pdf, results_pdf, turnout_pdf
    from urna_elections.results import turnout_by_hour

    written = {
        out / "results.pdf": await results_pdf(election, results, words),
        out / "turnout.pdf": await turnout_pdf(election, results, words),
    }
    for precinct in precincts:
        written[out / f"protocol-{precinct}.pdf"] = await precinct_protocol_pdf(
            election, results, precinct, words
        )
    turnout = await turnout_by_hour(election, results.commissions)
    written[out / "turnout-by-hour.svg"] = reports.turnout_svg(
        results, turnout, results.central, words
    )
    written[out / "results-by-constituency.svg"] = reports.results_svg(results, words)
    for path, data in written.items():
        path.write_bytes(data)
    click.echo(f"  reports: {', '.join(p.name for p in written)}")
    return list(written)


async def _reload(code: str):  # type: ignore[no-untyped-def]
    from urna_elections.structure import load_election

    return await load_election(code)
