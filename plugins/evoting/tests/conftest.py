"""The e-voting plugin's test kit: an election set up, guardians running their own command
on their own data directories, booths enrolled, voters voting through the booth forms."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from urna.testing import TEST_PASSWORD
from urna_evoting import booths
from urna_evoting.demo import election_file
from urna_evoting.setup import create_election, import_voters

GUARDIAN_PASSPHRASE = "guardian passphrase for tests"  # noqa: S105 - test secret


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["evoting"]


class Kit:
    """Steps of an election on a running test server, each as a real user would take it."""

    def __init__(self, server: Any, tmp_path: Path) -> None:
        self.server = server
        self.tmp_path = tmp_path

    async def setup(self, voters: int, guardians: int = 3, quorum: int = 2) -> Any:
        services = self.server.services
        election = await create_election(services, election_file("city", guardians, quorum))
        text = "voter_id,name\n" + "".join(f"v{i:04d},Voter {i}\n" for i in range(1, voters + 1))
        await import_voters(services, text)
        for i in range(1, guardians + 1):
            await self.server.add_user(f"guardian{i}", ["evoting.guardian"])
        return election

    async def urna(
        self,
        data_dir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        program: str | None = None,
    ) -> tuple[int, str]:
        """Run ``urna --data-dir DATA_DIR ARGS`` as a separate process (a guardian's machine),
        the guardian's password and passphrase in its environment unless ``env`` says else.
        ``program``, if given, is Python run instead of ``-m urna`` (a test's hook that
        then calls the command's ``main``)."""
        env = {
            **os.environ,
            "URNA_GUARDIAN_PASSWORD": TEST_PASSWORD,
            "URNA_GUARDIAN_PASSPHRASE": GUARDIAN_PASSPHRASE,
            **(env or {}),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *(("-c", program) if program else ("-m", "urna")),
            "--data-dir",
            str(data_dir),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
        )
        out, _ = await process.communicate()
        return process.returncode or 0, out.decode()

    def guardian_dir(self, gid: int) -> Path:
        return self.tmp_path / f"guardian-{gid}"

    async def guardian_next(self, gid: int, program: str | None = None) -> str:
        code, out = await self.urna(
            self.guardian_dir(gid), "evoting", "guardian", "next", program=program
        )
        assert code == 0, out
        return out

    async def join(self, guardians: int = 3) -> None:
        """Each guardian sets up its own data directory and joins the appliance."""
        for gid in range(1, guardians + 1):
            directory = self.guardian_dir(gid)
            code, out = await self.urna(directory, "init")
            assert code == 0, out
            code, out = await self.urna(
                directory,
                "evoting",
                "guardian",
                "join",
                self.server.url,
                "--user",
                f"guardian{gid}",
            )
            assert code == 0, out

    async def ceremony(self, guardians: int = 3) -> None:
        """Each guardian joins from its own data directory and runs ``next`` until the key
        is confirmed by all."""
        await self.join(guardians)
        for _ in range(4):
            outs = [await self.guardian_next(gid) for gid in range(1, guardians + 1)]
            if all("confirmed" in out or "nothing to do" in out for out in outs):
                status = await self.status()
                if len(status["confirmed"]) == guardians:
                    return
        raise AssertionError(f"the ceremony did not complete: {outs}")

    async def quick_ceremony(self) -> Any:
        """The ceremony run in this process (as the demo does): for tests about polling day."""
        from urna_evoting.demo import run_ceremony

        return await run_ceremony(self.server.services, "city", 3, 2)

    async def head(self) -> int:
        head = await self.server.services.ledger.head("city")
        return int(head[0]) if head else -1

    async def status(self) -> dict[str, Any]:
        from urna_evoting.polls import box_of

        return await box_of(self.server.services).status("city")

    async def booth(self, name: str) -> Any:
        """Enrol booth ``name`` and open its enrolment URL in a fresh client: the booth."""
        secret = await booths.enrol(self.server.services, name)
        client = self.server.client(headers={"Origin": self.server.url, "Accept-Language": "en"})
        response = await client.get(f"/p/evoting/booth/enrol/{name}/{secret}")
        assert response.status_code == 303, response.text
        assert booths.COOKIE in client.cookies
        return client

    async def booth_client(self, token: str) -> Any:
        """An HTTP client carrying booth ``token``: the same device as a browser with it."""
        client = self.server.client(headers={"Origin": self.server.url, "Accept-Language": "en"})
        client.cookies.set("urna_booth", token, path="/p/evoting")
        return client

    async def poll_worker(self) -> Any:
        worker = await self.server.login("worker", ["evoting.pollworker"])
        worker.headers["Accept-Language"] = "en"
        return worker

    def public(self) -> Any:
        """An anonymous visitor reading the pages in English."""
        return self.server.client(headers={"Accept-Language": "en"})

    async def poll_form(self, worker: Any, action: str, **form: str) -> Any:
        data = {"csrf_token": worker.headers["X-CSRF-Token"], **form}
        return await worker.post(f"/p/evoting/polls/{action}", data=data)

    async def session_of(self, booth: Any) -> int | None:
        response = await booth.get("/p/evoting/booth/state.json")
        assert response.status_code == 200
        value: int | None = response.json()["session"]
        return value

    async def vote(self, worker: Any, booth: Any, name: str, voter: str, form: dict) -> str:
        """Voter ``voter`` checked in, sent to booth ``name``, casting ``form`` (contest
        fields); answer the confirmation code the booth showed."""
        assert (await self.poll_form(worker, "check-in", voter=voter)).status_code == 303
        response = await self.poll_form(worker, "activate", voter=voter, booth=name)
        assert response.status_code == 303, response.text
        session = str(await self.session_of(booth))
        response = await booth.post("/p/evoting/booth/review", data={"session": session, **form})
        assert response.status_code == 303, response.text
        code = self.code_on((await booth.get("/p/evoting/booth")).text)
        response = await booth.post("/p/evoting/booth/cast", data={"session": session})
        assert response.status_code == 303, response.text
        response = await booth.post("/p/evoting/booth/done", data={"session": session})
        assert response.status_code == 303, response.text
        return code

    async def verify_record(self) -> dict[str, str]:
        """Export the election's record and run ``urna verify`` on it as an observer would:
        answer every check's status."""
        import json

        tar = await self.server.services.ledger.export("city", self.tmp_path / "record")
        report = self.tmp_path / "verify.json"
        code, out = await self.urna(
            self.tmp_path / "observer",
            "verify",
            str(tar),
            "--key",
            self.server.services.fingerprint,
            "--json",
            str(report),
        )
        assert code == 0, out
        checks = json.loads(report.read_text())["checks"]
        return {check["id"]: check["status"] for check in checks}

    @staticmethod
    def code_on(page: str) -> str:
        match = re.search(r'<code class="code">([0-9a-f]{64})</code>', page)
        assert match, page
        return match.group(1)


@pytest.fixture
async def kit(urna_server: Any, tmp_path: Path) -> Kit:
    return Kit(urna_server, tmp_path)
