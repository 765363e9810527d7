"""Printing through the system's CUPS: a PDF to the configured printer with ``lp``.

Receipts at a booth, a polling station's reports: Urna hands a finished PDF to
CUPS and answers the job's id; CUPS queues it, drives the printer and keeps the
job's history (``lpstat -W all -o``). ``lp`` is run with an argument list and
the document on its standard input (never a shell, never a temporary file), in
the C locale so that its refusals read the same everywhere, and is killed when
it does not answer within the setting's timeout.
"""

from __future__ import annotations

import asyncio
import os
import re

import attrs

from urna.errors import UrnaError
from urna.shell.settings import Settings

PDF_MAGIC = b"%PDF-"
PDF_FORMAT = "document-format=application/pdf"
MAX_TITLE_LENGTH = 255
MAX_COPIES = 100
_REQUEST_ID = re.compile(r"request id is (\S+)-(\d+) ")


class PrintError(UrnaError):
    """Nothing was printed: no printer configured, a bad document, or CUPS refused or
    did not answer. The message names the setting or repeats what CUPS said."""


@attrs.frozen(slots=True)
class PrintJob:
    """A job CUPS accepted: ``id`` is how ``lpstat`` and ``cancel`` name it."""

    printer: str
    number: int

    @property
    def id(self) -> str:
        return f"{self.printer}-{self.number}"


@attrs.frozen(slots=True)
class Printer:
    """The appliance's printer, as the ``[printing]`` settings name it."""

    name: str
    """CUPS's name of the printer (``lpstat -e``); empty: this appliance prints nothing."""
    server: str = ""
    """The CUPS scheduler to ask (a socket path or host:port); empty: the system's."""
    timeout_seconds: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> Printer:
        return cls(settings.printer, settings.print_server, settings.print_timeout_seconds)

    @property
    def configured(self) -> bool:
        return bool(self.name)

    async def print_pdf(self, document: bytes, *, title: str, copies: int = 1) -> PrintJob:
        """Queue ``document`` (a whole PDF) on the printer as a job named ``title``.

        Answers once CUPS has accepted the job, not when the paper is out: a stopped
        printer keeps the job queued until it is started again.
        """
        if not self.name:
            raise PrintError(
                "no printer is configured: set [printing] printer in the settings file "
                "to one of the printers `lpstat -e` lists"
            )
        if not document.startswith(PDF_MAGIC):
            raise PrintError("the document to print is not a PDF (it must start with %PDF-)")
        clean_title = " ".join(title.split())
        if not clean_title or len(clean_title) > MAX_TITLE_LENGTH:
            raise PrintError(f"a print job's title must be 1..{MAX_TITLE_LENGTH} characters")
        if not 1 <= copies <= MAX_COPIES:
            raise PrintError(f"copies must be 1..{MAX_COPIES}, got {copies}")
        answer = await self._lp(
            ["-d", self.name, "-t", clean_title, "-n", str(copies), "-o", PDF_FORMAT],
            document,
        )
        found = _REQUEST_ID.search(answer)
        if found is None:
            raise PrintError(f"{self._where()}: lp answered no job id: {answer.strip()[:200]!r}")
        return PrintJob(found.group(1), int(found.group(2)))

    async def _lp(self, arguments: list[str], stdin: bytes) -> str:
        answer = await self._run("lp", arguments, stdin)
        if answer is None:
            raise PrintError(
                f"{self._where()}: CUPS did not answer within {self.timeout_seconds} s "
                "([printing] timeout_seconds); nothing was printed"
            )
        returncode, out, err = answer
        if returncode != 0:
            said = (
                err.decode(errors="replace").strip().removeprefix("lp: ").removeprefix("Error - ")
            )
            if not await self._scheduler_running():
                # lp then says "The printer or class does not exist", which misleads.
                raise PrintError(f"{self._where()}: the CUPS scheduler is not running (cupsd)")
            raise PrintError(f"{self._where()}: CUPS refused the job: {said or 'no reason'}")
        return out.decode(errors="replace")

    async def _scheduler_running(self) -> bool:
        answer = await self._run("lpstat", ["-r"], b"")
        return answer is not None and answer[1].strip() == b"scheduler is running"

    async def _run(
        self, command: str, arguments: list[str], stdin: bytes
    ) -> tuple[int, bytes, bytes] | None:
        """Run a CUPS client against the configured scheduler: its exit status, output and
        errors, or None when it did not finish within the timeout (it is killed)."""
        server = ["-h", self.server] if self.server else []
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
        try:
            process = await asyncio.create_subprocess_exec(
                command,
                *server,
                *arguments,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=environment,
            )
        except FileNotFoundError:
            raise PrintError(
                f"cannot print: the CUPS client `{command}` is not installed (Debian: cups-client)"
            ) from None
        try:
            out, err = await asyncio.wait_for(process.communicate(stdin), self.timeout_seconds)
        except TimeoutError:
            process.kill()
            await process.wait()
            return None
        return process.returncode or 0, out, err

    def _where(self) -> str:
        via = f" via {self.server}" if self.server else ""
        return f"printer {self.name!r}{via}"
