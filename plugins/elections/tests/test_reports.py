"""Reports: the precinct protocol PDF with its signatures, results and turnout PDFs, charts.

Rendered for real (reportlab) and read back with pypdf: the text a reader sees
must name every member with their key fingerprint and signature status.
"""

from __future__ import annotations

import io
import random

import pytest
from pypdf import PdfReader
from urna.api import ReportContext, translator
from urna_elections.generate import az_protocol_values, generate_election, signed_protocol
from urna_elections.protocol import protocol_digest
from urna_elections.reports import fingerprint
from urna_elections.signatures import sign_dissent

URL = "/p/elections/elections/az-2024"
pytestmark = pytest.mark.parametrize("urna_database", ["sqlite"], indirect=True)


def pdf_text(data: bytes) -> str:
    """The text of every page, with wrapped cells joined again (one space per break)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


async def test_protocol_results_and_turnout_reports(urna_server, tmp_path):
    generated = await generate_election(
        urna_server.services.ledger, constituencies=2, precincts=6, abroad=1, members=5
    )
    election = generated.election
    sender = await urna_server.token_client("precinct-1", ["elections.sender"])
    rng = random.Random(3)  # noqa: S311 - made-up figures
    first = generated.precincts[0]
    for precinct in generated.precincts[:4]:
        lines, votes = az_protocol_values(rng, election.candidates)
        keys = generated.member_keys(precinct)
        entry = signed_protocol(election, precinct, lines, votes, keys, signers=4)
        if precinct == first:
            digest = protocol_digest(entry["protocol"]).hex()
            entry["dissents"] = [sign_dissent(digest, "The count started late.", keys[4])]
        answer = await sender.post(f"{URL}/protocols", json=entry)
        assert answer.status_code == 201, answer.text
        reports = [{"precinct": precinct, "hour": "10:00", "voters": lines["100.2.5"] // 4}]
        answer = await sender.post(
            f"{URL}/turnout", json={"reports": reports}, headers={"Idempotency-Key": precinct}
        )
        assert answer.status_code == 201, answer.text
    public = urna_server.client(headers={"Accept-Language": "en"})

    answer = await public.get(f"{URL}/protocols/{first}/protocol.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    (tmp_path / "protocol.pdf").write_bytes(answer.content)
    text = pdf_text(answer.content)
    assert f"({first})" in text
    assert "Voters on the voter list" in text
    assert "Control ratios: all hold" in text
    keys = [k.verify_key.hex() for k in generated.member_keys(first)]
    for key in keys:
        assert fingerprint(key) in text
    assert text.count("signed, signature valid") == 4
    assert text.count("did not sign") == 1
    assert "dissenting opinion (signed)" in text
    assert "The count started late." in text

    missing = await public.get(f"{URL}/protocols/{generated.precincts[5]}/protocol.pdf")
    assert missing.status_code == 404
    assert "has no accepted protocol" in missing.json()["error"]

    answer = await public.get(f"{URL}/reports/results.pdf")
    assert answer.status_code == 200
    text = pdf_text(answer.content)
    assert "Protocols received: 4 of 6 precincts" in text
    assert "Candidate One" in text
    assert "Results by constituency" in text
    assert "Summary by constituency" in text

    answer = await public.get(f"{URL}/reports/turnout.pdf")
    assert answer.status_code == 200
    text = pdf_text(answer.content)
    assert "Turnout report" in text
    assert "Turnout by hour, nationally" in text  # the chart's title, drawn in the PDF

    for path in (f"{URL}/charts/results.svg", f"{URL}/charts/cec/turnout.svg"):
        answer = await public.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in answer.content
        assert b"<rect" in answer.content  # bars

    # The same reports through the core's hook, for `urna report`.
    registered = {r.name: r for r in urna_server.services.registry.reports.values()}
    services = urna_server.services
    english = ReportContext(services, translator(services, "en"))
    data = await registered["elections.results"].render(election.scope, "pdf", english)
    assert "Protocols received: 4 of 6" in pdf_text(data)
    russian = ReportContext(services, translator(services, "ru"))
    data = await registered["elections.results"].render(election.scope, "pdf", russian)
    assert "Получено протоколов: 4 из 6" in pdf_text(data)
    with pytest.raises(ValueError, match="pdf"):
        await registered["elections.turnout"].render(election.scope, "html", english)
