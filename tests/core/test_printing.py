"""Printing through CUPS: what goes to the printer comes out on paper, refusals are clear.

Every job here goes through a real CUPS scheduler (the test kit's private one) to a
CUPS-PDF printer; the PDF that comes out is read back.
"""

import asyncio
import socket
import subprocess
import sys
import zlib

import pytest
from urna.api import Printer, PrintError, PrintJob
from urna.shell.settings import SettingsError, load_settings


def one_page_pdf(*lines: str) -> bytes:
    """A minimal, valid one-page PDF of ``lines`` in Helvetica (ASCII text)."""
    text = "BT /F1 14 Tf 72 760 Td 18 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
        for line in lines
    )
    stream = zlib.compress(text.encode("ascii"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture
def urna_settings(urna_settings, urna_printer):
    return urna_printer.configure(urna_settings)


async def test_a_plugin_prints_through_the_services_and_the_text_comes_out(
    urna_services, urna_printer
):
    pdf = one_page_pdf("Urna receipt", "Ballot 7f3a-91c2 was cast", "Precinct 12")
    job = await urna_services.printer.print_pdf(pdf, title="Receipt 7f3a")
    assert job.printer == urna_printer.name
    assert job.id == f"{urna_printer.name}-{job.number}" and job.number > 0
    text = await asyncio.to_thread(urna_printer.printed_text, job)
    assert "Urna receipt" in text
    assert "Ballot 7f3a-91c2 was cast" in text
    assert "Precinct 12" in text


async def test_copies_and_jobs_are_numbered_apart(urna_printer, tmp_path):
    printer = Printer.from_settings(urna_printer.configure(load_settings(data_dir=tmp_path)))
    first = await printer.print_pdf(one_page_pdf("first"), title="first")
    second = await printer.print_pdf(one_page_pdf("second"), title="second", copies=2)
    assert second.number > first.number
    assert "first" in await asyncio.to_thread(urna_printer.printed_text, first)
    assert "second" in await asyncio.to_thread(urna_printer.printed_text, second)


async def test_no_printer_configured_is_refused_naming_the_setting():
    with pytest.raises(PrintError, match=r"no printer is configured: set \[printing\] printer"):
        await Printer("").print_pdf(one_page_pdf("x"), title="x")


async def test_a_printer_cups_does_not_know_is_refused_in_cups_words(urna_printer):
    printer = Printer("no-such-printer", urna_printer.server)
    with pytest.raises(PrintError) as refused:
        await printer.print_pdf(one_page_pdf("x"), title="x")
    assert str(refused.value) == (
        f"printer 'no-such-printer' via {urna_printer.server}: CUPS refused the job: "
        "The printer or class does not exist."
    )


async def test_a_scheduler_that_is_down_is_named_as_such(tmp_path):
    printer = Printer("receipts", str(tmp_path / "no-cupsd.sock"))
    with pytest.raises(PrintError, match=r"the CUPS scheduler is not running \(cupsd\)"):
        await printer.print_pdf(one_page_pdf("x"), title="x")


async def test_a_scheduler_that_never_answers_times_out(tmp_path, urna_printer):
    path = tmp_path / "silent.sock"
    with socket.socket(socket.AF_UNIX) as silent:
        silent.bind(str(path))
        silent.listen()
        printer = Printer("receipts", str(path), timeout_seconds=1)
        with pytest.raises(PrintError, match=r"CUPS did not answer within 1 s"):
            await printer.print_pdf(one_page_pdf("x"), title="x")


@pytest.mark.parametrize(
    ("document", "title", "copies", "message"),
    [
        (b"hello", "x", 1, "is not a PDF"),
        (b"", "x", 1, "is not a PDF"),
        (one_page_pdf("x"), "  ", 1, "title must be 1..255 characters"),
        (one_page_pdf("x"), "x" * 256, 1, "title must be 1..255 characters"),
        (one_page_pdf("x"), "x", 0, "copies must be 1..100, got 0"),
    ],
)
async def test_bad_documents_are_refused_and_nothing_is_queued(
    urna_printer, document, title, copies, message
):
    printer = Printer(urna_printer.name, urna_printer.server)
    with pytest.raises(PrintError, match=message):
        await printer.print_pdf(document, title=title, copies=copies)
    assert await asyncio.to_thread(urna_printer.jobs) == []


def test_the_print_command_prints_a_pdf_file_and_names_the_job(urna_printer, tmp_path):
    document = tmp_path / "report.pdf"
    document.write_bytes(one_page_pdf("Polls report", "Station 12"))
    env = {"URNA_PRINTER": urna_printer.name, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    config = tmp_path / "urna.toml"
    config.write_text(f'[printing]\nserver = "{urna_printer.server}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "urna", "--config", config, "print", document],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith(f"printing {document} on {urna_printer.name}: job {urna_printer.name}-")
    job = PrintJob(urna_printer.name, int(line.rsplit("-", 1)[1]))
    text = urna_printer.printed_text(job)
    assert "Polls report" in text and "Station 12" in text


def test_the_print_command_without_a_printer_says_so_in_one_line(tmp_path):
    document = tmp_path / "report.pdf"
    document.write_bytes(one_page_pdf("x"))
    result = subprocess.run(
        [sys.executable, "-m", "urna", "--data-dir", tmp_path, "print", document],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "urna: error: no printer is configured: set [printing] printer in the settings "
        "file to one of the printers `lpstat -e` lists"
    ]


def test_printing_settings_are_read_and_bad_ones_named(tmp_path):
    config = tmp_path / "urna.toml"
    config.write_text(
        '[printing]\nprinter = "receipts"\nserver = "/run/cups/cups.sock"\ntimeout_seconds = 5\n'
    )
    settings = load_settings(config, env={})
    assert Printer.from_settings(settings) == Printer("receipts", "/run/cups/cups.sock", 5)
    assert load_settings(config, env={"URNA_PRINTER": "booth-2"}).printer == "booth-2"
    for bad, message in [
        ('printer = "-d x"', "is not a CUPS printer name"),
        ('printer = "two words"', "is not a CUPS printer name"),
        ('printer = "a/b"', "is not a CUPS printer name"),
        ("timeout_seconds = 0", "print_timeout_seconds must be at least 1"),
        ('server = "-h"', "is not a CUPS server"),
        ('paper = "A4"', "unknown setting 'printing.paper'"),
    ]:
        config.write_text(f"[printing]\n{bad}\n")
        with pytest.raises(SettingsError, match=message):
            load_settings(config, env={})
