"""Importing an election's structure: a JSON document, commissions and members from JSON or
CSV. Good input is stored and recorded; bad input is refused naming what is wrong, and
nothing at all is stored (no election, no commission, no member, no event)."""

from __future__ import annotations

import json

import pytest
from urna.record.bundle import read_bundle
from urna.verify import core_checks, verify_files
from urna_elections import models
from urna_elections.law import builtin_profiles
from urna_elections.record import EVENT_TYPES, VERIFIER_CHECKS, scope_of
from urna_elections.structure import StructureError, import_structure, structure_document

PROFILES = {p.name: p for p in builtin_profiles()}
ELECTION = {
    "code": "az-2025",
    "title": "Municipal election",
    "date": "2025-01-29",
    "kind": "municipal",
    "candidates": [{"id": "c1", "name": "First"}, {"id": "c2", "name": "Second", "party": "P"}],
}
COMMISSIONS_CSV = """code,name,kind,parent
cec,Central Election Commission,central,
c01,Constituency 1,constituency,cec
p001,Precinct 1,precinct,c01
p002,Precinct 2,precinct,c01
"""


def members_csv(keys, extra=""):
    rows = ["commission,name,role,key,decisive"]
    for precinct in ("p001", "p002"):
        for i in range(3):
            role = ("chair", "secretary", "member")[i]
            rows.append(f"{precinct},{role} of {precinct},{role},{keys(precinct + role)},yes")
        rows.append(f"{precinct},Adviser of {precinct},advisory,{keys(precinct + 'adv')},no")
    return "\n".join(rows) + "\n" + extra


@pytest.fixture
def keys(urna_keys):
    return lambda name: urna_keys(name).verify_key.hex()


async def nothing_stored(services):
    assert await models.Election.all().count() == 0
    assert await models.Commission.all().count() == 0
    assert await models.Member.all().count() == 0
    assert await services.ledger.events(scope_of(ELECTION["code"])) == []


async def test_structure_from_json_with_csv_commissions_and_members(urna_services, keys, tmp_path):
    document = structure_document(
        json.dumps({"election": ELECTION}), COMMISSIONS_CSV, members_csv(keys)
    )
    election = await import_structure(urna_services.ledger, document, PROFILES)
    assert (election.code, election.profile.name, election.candidates) == (
        "az-2025",
        "az",
        ("c1", "c2"),
    )
    kinds = dict(
        await models.Commission.filter(election_id=election.id).values_list("code", "kind")
    )
    assert kinds == {
        "cec": "central",
        "c01": "constituency",
        "p001": "precinct",
        "p002": "precinct",
    }
    members = await models.Member.filter(election_id=election.id).values_list(
        "commission_code", "role", "decisive", "key"
    )
    assert len(members) == 8
    assert {(c, r, d) for c, r, d, _ in members if r == "advisory"} == {
        ("p001", "advisory", False),
        ("p002", "advisory", False),
    }
    assert (keys("p001chair")) in {k for *_, k in members}
    types = [e.type for e in await urna_services.ledger.events(election.scope)]
    assert types == [
        "core.signer_registered",
        "elections.election_defined",
        "elections.commissions_defined",
        "elections.members_registered",
    ]
    await urna_services.ledger.export(election.scope, tmp_path / "rec")
    report = verify_files(
        read_bundle(tmp_path / "rec").files,
        bundle="rec",
        checks=[*core_checks(EVENT_TYPES), *VERIFIER_CHECKS],
    )
    assert report.ok, report.summary_lines()


async def test_the_same_structure_as_one_json_document(urna_services, keys):
    document = {
        "election": {**ELECTION, "profile": "ru-federal"},
        "commissions": [
            {"code": "cec", "name": "CEC", "kind": "central", "parent": ""},
            {"code": "p1", "name": "Precinct 1", "kind": "precinct", "parent": "cec"},
        ],
        "members": [
            {"commission": "p1", "name": "Chair", "role": "chair", "key": keys("a")},
            {"commission": "p1", "name": "Adv", "role": "advisory", "key": keys("b")},
        ],
    }
    election = await import_structure(
        urna_services.ledger, structure_document(json.dumps(document)), PROFILES
    )
    assert election.profile.name == "ru-federal"
    assert await models.Member.filter(election_id=election.id, decisive=True).count() == 1
    with pytest.raises(StructureError, match="already exists"):
        await import_structure(urna_services.ledger, document, PROFILES)
    assert await models.Election.all().count() == 1


def _without(mapping, field):
    return {k: v for k, v in mapping.items() if k != field}


BAD_DOCUMENTS = [
    ("not json", "{election", None, None, "not JSON"),
    ("a list", "[]", None, None, "is a JSON object"),
    ("extra field", json.dumps({"election": ELECTION, "ballots": []}), None, None, "'ballots'"),
    ("no election", json.dumps({"commissions": []}), None, None, "'election' object"),
    ("no code", json.dumps({"election": _without(ELECTION, "code")}), None, None, "lacks code"),
    (
        "unknown profile",
        json.dumps({"election": {**ELECTION, "profile": "xx"}}),
        None,
        None,
        "unknown profile 'xx'",
    ),
    (
        "candidate without name",
        json.dumps({"election": {**ELECTION, "candidates": [{"id": "c1"}]}}),
        None,
        None,
        "candidate 1 needs an id and a name",
    ),
    ("commissions lack a column", None, "code,name,parent\ncec,CEC,\n", None, "lacks kind"),
    (
        "empty cell",
        None,
        "code,name,kind,parent\ncec,CEC,central,\n,Nameless,constituency,cec\n",
        None,
        "commissions CSV line 3: code is empty",
    ),
    (
        "bad kind",
        None,
        COMMISSIONS_CSV + "p003,Precinct 3,station,c01\n",
        None,
        "commission p003: kind must be one of",
    ),
    (
        "unknown parent",
        None,
        COMMISSIONS_CSV + "p003,Precinct 3,precinct,c09\n",
        None,
        "commission p003: parent 'c09' is not a defined",
    ),
    (
        "parent is a precinct",
        None,
        COMMISSIONS_CSV + "p003,Precinct 3,precinct,p001\n",
        None,
        "parent 'p001' is not a defined non-precinct",
    ),
    (
        "defined twice",
        None,
        COMMISSIONS_CSV + "p002,Again,precinct,c01\n",
        None,
        "p002 is defined twice",
    ),
    ("member lacks a column", None, COMMISSIONS_CSV, "commission,name,key\n", "lacks role"),
    (
        "member of no commission",
        None,
        COMMISSIONS_CSV,
        "{members}p009,Ghost,member,{key},yes\n",
        "member Ghost: no commission 'p009'",
    ),
    (
        "bad role",
        None,
        COMMISSIONS_CSV,
        "{members}p001,Boss,president,{key},yes\n",
        "member Boss: role must be one of",
    ),
    (
        "small-order key",
        None,
        COMMISSIONS_CSV,
        "{members}p001,Weak,member," + "00" * 32 + ",yes\n",
        "member Weak: key rejected",
    ),
    ("key not hex", None, COMMISSIONS_CSV, "{members}p001,Odd,member,xyz,yes\n", "key rejected"),
    (
        "key registered twice",
        None,
        COMMISSIONS_CSV,
        "{members}p002,Twin,member,{chair},yes\n",
        "member Twin: key",
    ),
    (
        "decisive neither yes nor no",
        None,
        COMMISSIONS_CSV,
        "{members}p001,Unsure,member,{key},maybe\n",
        "line 10: decisive must be yes or no",
    ),
]


@pytest.mark.parametrize(
    ("text", "commissions", "members", "complaint"),
    [case[1:] for case in BAD_DOCUMENTS],
    ids=[case[0] for case in BAD_DOCUMENTS],
)
async def test_bad_structure_is_refused_naming_the_problem_and_stores_nothing(
    urna_services, keys, text, commissions, members, complaint
):
    if members is not None:
        members = members.format(
            members=members_csv(keys), key=keys("someone"), chair=keys("p001chair")
        )

    async def import_all():
        document = structure_document(
            text or json.dumps({"election": ELECTION}), commissions, members
        )
        await import_structure(urna_services.ledger, document, PROFILES)

    with pytest.raises(StructureError) as refused:
        await import_all()
    assert complaint in str(refused.value)
    await nothing_stored(urna_services)
