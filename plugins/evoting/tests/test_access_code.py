"""A voter checked in with a printed one-time access code starts the session at any free
booth by typing it; a wrong or used code is refused (throttled) and starts nothing."""

from __future__ import annotations

import re

from urna_evoting.models import BoothSession


async def test_an_access_code_starts_one_session_at_the_booth_it_is_typed_at(kit):
    await kit.setup(voters=2)
    await kit.quick_ceremony()
    worker = await kit.poll_worker()
    assert (await kit.poll_form(worker, "open")).status_code == 303
    b1, b2 = await kit.booth("b1"), await kit.booth("b2")
    assert (await kit.poll_form(worker, "check-in", voter="v0001")).status_code == 303
    response = await kit.poll_form(worker, "access-code", voter="v0001")
    assert response.status_code == 200
    shown = re.search(r'<code class="code">(\d{4}) (\d{4}) (\d{4})</code>', response.text)
    assert shown, response.text
    code = "".join(shown.groups())
    assert await kit.session_of(b1) is None  # no booth holds it yet
    before = await kit.head()

    wrong = "0" * 12 if code != "0" * 12 else "1" * 12
    response = await b2.post("/p/evoting/booth/code", data={"code": wrong})
    assert response.status_code == 403
    assert "access code is wrong or has been used" in response.text
    assert await kit.session_of(b2) is None

    typed = f"{code[:4]}-{code[4:8]} {code[8:]}"  # as the slip prints it, with separators
    assert (await b2.post("/p/evoting/booth/code", data={"code": typed})).status_code == 303
    session = await kit.session_of(b2)
    assert session is not None
    assert (await BoothSession.get(id=session)).access_hash is None

    response = await b1.post("/p/evoting/booth/code", data={"code": code})
    assert response.status_code == 403  # used: it started one session, once
    assert await kit.session_of(b1) is None
    assert await kit.head() == before  # nothing in the record until a ballot is cast

    form = {"session": str(session), "contest-council": ["quliyev"], "contest-park": "no"}
    assert (await b2.post("/p/evoting/booth/review", data=form)).status_code == 303
    assert (
        await b2.post("/p/evoting/booth/cast", data={"session": str(session)})
    ).status_code == 303
    assert (await kit.status())["cast"] == 1
    response = await kit.poll_form(worker, "access-code", voter="v0001")
    assert response.status_code == 409  # one session per voter
