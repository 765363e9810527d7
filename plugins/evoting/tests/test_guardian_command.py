"""The guardian's command answers every mistake with one line and sends nothing."""

from __future__ import annotations


async def test_the_guardians_mistakes_are_one_line_each(kit):
    await kit.setup(voters=1, guardians=1, quorum=1)
    directory = kit.guardian_dir(1)
    code, out = await kit.urna(directory, "init")
    assert code == 0, out
    code, out = await kit.urna(directory, "evoting", "guardian", "next")
    assert code != 0
    assert out.strip().splitlines()[-1].endswith("run 'urna evoting guardian join' first")
    code, out = await kit.urna(
        directory, "evoting", "guardian", "join", kit.server.url, "--user", "guardian1"
    )
    assert code == 0, out
    out = await kit.guardian_next(1)
    assert "key material generated, sealed and sent" in out
    assert "ceremony hash confirmed" in out
    assert (
        oct((directory / "evoting-guardian" / "guardian.sealed").stat().st_mode & 0o777) == "0o600"
    )
    status = await kit.status()
    assert status["confirmed"] == [1]
    head = await kit.head()

    wrong = {"URNA_GUARDIAN_PASSPHRASE": "not the passphrase"}
    code, out = await kit.urna(directory, "evoting", "guardian", "next", env=wrong)
    assert code == 1
    assert out.strip() == "Error: wrong passphrase (or a damaged guardian.sealed)"
    code, out = await kit.urna(
        directory, "evoting", "guardian", "next", env={"URNA_GUARDIAN_PASSWORD": "wrong password"}
    )
    assert code == 1
    assert out.strip().startswith("Error: sign-in as 'guardian1'")
    assert "Traceback" not in out
    assert await kit.head() == head  # nothing was sent
