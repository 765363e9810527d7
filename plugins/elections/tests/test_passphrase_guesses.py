"""A member's sealed-key passphrase cannot be guessed without limit (issue 19)."""

from __future__ import annotations

from urna_elections.law import load_builtin
from urna_elections.structure import add_commissions, create_election

URL = "/p/elections/elections/g1"


async def test_wrong_passphrases_are_throttled_like_sign_in(urna_server):
    ledger = urna_server.services.ledger
    election = await create_election(
        ledger,
        code="g1",
        title="t",
        kind="presidential",
        date="2024-02-07",
        profile=load_builtin("az"),
        candidates=[{"id": "c1", "name": "One"}],
    )
    await add_commissions(
        ledger,
        election,
        [
            {"code": "cec", "name": "CEC", "kind": "central"},
            {"code": "p1", "name": "P1", "kind": "precinct", "parent": "cec"},
        ],
    )
    admin = await urna_server.token_client("admin", ["elections.administrator"])
    added = await admin.post(
        f"{URL}/members",
        headers={"Idempotency-Key": "m"},
        json={"members": [{"commission": "p1", "name": "M", "passphrase": "the passphrase"}]},
    )
    assert added.status_code == 201, added.text
    key = added.json()["keys"][0]
    for guess in range(5):
        wrong = await admin.post(
            f"{URL}/drafts/999/sign", json={"member_key": key, "passphrase": f"guess {guess}"}
        )
        assert wrong.status_code == 403, wrong.text
    throttled = await admin.post(
        f"{URL}/drafts/999/sign", json={"member_key": key, "passphrase": "the passphrase"}
    )
    assert throttled.status_code == 429, throttled.text
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "too many wrong attempts" in throttled.json()["error"]
