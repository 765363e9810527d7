"""An election over HTTP: guardians' command on separate data directories, booths by
their enrolment URL, voters through the booth forms, a guardian missing at the tally."""

from __future__ import annotations

import collections
import random

from urna_evoting.demo import CANDIDATES, QUESTION


async def test_booth_election_end_to_end_over_http(kit):
    await kit.setup(voters=6)
    await kit.ceremony()
    worker = await kit.poll_worker()
    response = await kit.poll_form(worker, "open")
    assert response.status_code == 303, response.text
    booths = {name: await kit.booth(name) for name in ("b1", "b2")}
    rng = random.Random(5)  # noqa: S311 - the voters' choices, not a secret
    expected = collections.Counter()
    receipts = []
    for i in range(1, 7):
        name = f"b{1 + i % 2}"
        booth = booths[name]
        assert (await kit.poll_form(worker, "check-in", voter=f"v{i:04d}")).status_code == 303
        response = await kit.poll_form(worker, "activate", voter=f"v{i:04d}", booth=name)
        assert response.status_code == 303, response.text
        session = await kit.session_of(booth)
        council = rng.sample(list(CANDIDATES), 2)
        park = rng.choice(list(QUESTION))
        form = {"session": str(session), "contest-council": council, "contest-park": park}
        response = await booth.post("/p/evoting/booth/review", data=form)
        assert response.status_code == 303, response.text
        if i == 1:
            response = await booth.post(
                "/p/evoting/booth/challenge", data={"session": str(session)}
            )
            assert response.status_code == 303
            opened = await booth.get(response.headers["location"])
            assert "Your ballot was challenged" in opened.text
            response = await booth.post("/p/evoting/booth/review", data=form)
        review = await booth.get("/p/evoting/booth")
        code = kit.code_on(review.text)
        response = await booth.post("/p/evoting/booth/cast", data={"session": str(session)})
        assert response.status_code == 303, response.text
        page = (await booth.get("/p/evoting/booth")).text
        assert code in page
        receipts.append(code)
        expected.update(("council", c) for c in council)
        expected[("park", park)] += 1
        assert (
            await booth.post("/p/evoting/booth/done", data={"session": str(session)})
        ).status_code == 303
    assert (await kit.poll_form(worker, "close")).status_code == 303
    for gid in (1, 2):
        out = await kit.guardian_next(gid)
        assert "partial decryption of the tally sent" in out
    admin = await kit.server.login("admin", ["evoting.admin"])
    response = await admin.post("/p/evoting/api/result")
    assert response.status_code == 201, response.text
    status = await kit.status()
    counts = {(c["contest_id"], c["selection_id"]): c["count"] for c in status["result"]["counts"]}
    assert counts == {key: expected.get(key, 0) for key in counts}
    public = kit.public()
    for code in receipts:
        page = (await public.get("/p/evoting/tracker", params={"code": code})).text
        assert "Your ballot is in the ballot box" in page
    printed = " ".join(receipts[0][i : i + 8] for i in range(0, 64, 8)).upper()
    page = (await public.get("/p/evoting/tracker", params={"code": printed})).text
    assert "Your ballot is in the ballot box" in page  # typed as the receipt prints it
    results = (await public.get("/p/evoting/results")).text
    assert "Nigar Rzayeva" in results  # guardian 3, named as not having decrypted
    checks = await kit.verify_record()
    applicable = {c: s for c, s in checks.items() if s != "not applicable"}
    assert set(applicable.values()) == {"passed"}, checks
    # Every check of the record and the election applies to it, and passed.
    assert {c for c in checks if c.startswith(("record.", "election.", "ballot", "tally"))} <= set(
        applicable
    ), checks
