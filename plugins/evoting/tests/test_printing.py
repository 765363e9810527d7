"""Receipts and the polls' reports come out of a real CUPS-PDF printer."""

from __future__ import annotations

import pytest
from urna.api import PrintJob
from urna_evoting.models import BoothSession


@pytest.fixture
def urna_settings(urna_settings, urna_printer):
    return urna_printer.configure(urna_settings)


def _job(job_id: str) -> PrintJob:
    printer, _, number = job_id.rpartition("-")
    return PrintJob(printer, int(number))


async def test_the_receipt_and_the_reports_are_printed(kit, urna_printer):
    await kit.setup(voters=1)
    await kit.quick_ceremony()
    worker = await kit.poll_worker()
    assert (await kit.poll_form(worker, "open")).status_code == 303
    opening = urna_printer.jobs()
    assert len(opening) == 1
    text = urna_printer.printed_text(_job(opening[0]))
    assert "Polls opening report" in text
    assert "Voters on the list" in text
    booth = await kit.booth("b1")
    assert (await kit.poll_form(worker, "check-in", voter="v0001")).status_code == 303
    assert (await kit.poll_form(worker, "activate", voter="v0001", booth="b1")).status_code == 303
    session = await kit.session_of(booth)
    form = {"session": str(session), "contest-council": ["aliyeva"], "contest-park": "no"}
    assert (await booth.post("/p/evoting/booth/review", data=form)).status_code == 303
    assert (
        await booth.post("/p/evoting/booth/cast", data={"session": str(session)})
    ).status_code == 303
    receipt = (await BoothSession.get(id=session)).receipt
    assert receipt["print_job"]
    assert not receipt["print_failed"]
    text = urna_printer.printed_text(_job(receipt["print_job"]))
    code = receipt["confirmation_code"]
    assert "Ballot receipt" in text
    assert all(code[i : i + 8] in text for i in range(0, 64, 8))  # in groups of eight
    page = (await booth.get("/p/evoting/booth")).text
    assert "Take your printed receipt" in page
    assert (await kit.poll_form(worker, "close")).status_code == 303
    closing = [job for job in urna_printer.jobs() if job not in (opening[0], receipt["print_job"])]
    assert len(closing) == 1
    text = urna_printer.printed_text(_job(closing[0]))
    assert "Polls closing report" in text
