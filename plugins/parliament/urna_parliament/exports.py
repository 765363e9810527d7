"""Open-data exports: Popolo VoteEvent JSON per vote, Akoma Ntoso ``debate`` XML per sitting.

Popolo (http://www.popoloproject.com/specs/vote-event.html): one VoteEvent per
closed vote with ``counts`` (yes, no, abstain, absent, not voting) and, for
votes by name, ``votes`` per member; totals-only and secret votes carry no
per-member options. Akoma Ntoso 3.0 ``debate``: preface, ``debateBody`` with
``rollCall`` (registration), ``quorumVerification``, and per item a
``debateSection`` holding ``speech`` elements and ``voting`` with ``quantity``
counts and the outcome.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from urna_parliament.minutes import protocol
from urna_parliament.sitting import SittingState

POPOLO_OPTIONS = {
    "for": "yes",
    "against": "no",
    "abstain": "abstain",
    "not_voting": "not voting",
    "absent": "absent",
}
AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"


def popolo_vote_events(state: SittingState) -> list[dict[str, Any]]:
    """Every closed vote of the sitting as a Popolo VoteEvent."""
    events = []
    for vote in state.votes.values():
        if vote.closed is None:
            continue
        closed = vote.closed
        item = state.items[vote.item]
        event: dict[str, Any] = {
            "id": f"{state.scope}/vote/{vote.vote}",
            "identifier": str(vote.vote),
            "motion": {
                "text": vote.question,
                "classification": item.kind,
                "object_id": item.draft_number or None,
                "requirement": vote.rule.describe(),
            },
            "start_date": vote.opened_time,
            "end_date": vote.closed_time,
            "result": "pass" if closed["outcome"] == "adopted" else "fail",
            "counts": [
                {"option": POPOLO_OPTIONS[k], "value": closed[k]}
                for k in ("for", "against", "abstain", "absent", "not_voting")
            ],
            "extras": {
                "mode": vote.mode,
                "threshold": closed["threshold"],
                "repeats": vote.repeats,
                "reason": vote.reason or None,
                "repeated_by": vote.repeated_by,
            },
        }
        if vote.mode == "named":
            event["votes"] = [
                {
                    "voter_id": member,
                    "voter": {"name": state.members[member].name},
                    "group": {"name": state.members[member].faction},
                    "option": POPOLO_OPTIONS[standing],
                }
                for member, standing in vote.standings(sorted(state.members)).items()
            ]
        events.append(event)
    return events


def akoma_ntoso(state: SittingState) -> bytes:
    """The sitting's minutes as an Akoma Ntoso 3.0 ``debate`` document."""
    ET.register_namespace("", AKN_NS)
    minutes = protocol(state)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        child = ET.SubElement(parent, f"{{{AKN_NS}}}{tag}", attrs)
        if text is not None:
            child.text = text
        return child

    root = ET.Element(f"{{{AKN_NS}}}akomaNtoso")
    debate = el(root, "debate", name="plenarySitting")
    meta = el(debate, "meta")
    ident = el(meta, "identification", source="#urna")
    work = el(ident, "FRBRWork")
    uri = f"/akn/az/debaterecord/{minutes['date']}/{minutes['protocol']}"
    el(work, "FRBRthis", value=f"{uri}/!main")
    el(work, "FRBRuri", value=uri)
    el(work, "FRBRdate", date=minutes["date"] or "1970-01-01", name="sitting")
    el(work, "FRBRauthor", href="#parliament")
    el(work, "FRBRcountry", value="az")
    refs = el(meta, "references", source="#urna")
    el(
        refs,
        "TLCOrganization",
        eId="parliament",
        href="/ontology/organization/parliament",
        showAs="Parliament",
    )
    el(refs, "TLCOrganization", eId="urna", href="/ontology/organization/urna", showAs="Urna")
    for member in state.members.values():
        el(
            refs,
            "TLCPerson",
            eId=member.member,
            href=f"/ontology/person/{member.member}",
            showAs=member.name,
        )
    preface = el(debate, "preface")
    for label, value in (
        ("protocol", minutes["protocol"]),
        ("place", minutes["place"]),
        ("date", minutes["date"]),
        ("presiding", minutes["presiding"]),
    ):
        el(preface, "p", f"{label}: {value}", **{"class": label})
    body = el(debate, "debateBody")
    for r in minutes["registration"]:
        roll = el(body, "rollCall", eId=f"rollcall_{r['round']}")
        el(roll, "num", str(r["round"]))
        summary = el(roll, "summary")
        el(summary, "p", f"present {r['present']}")
    quorum = el(body, "quorumVerification", eId="quorum")
    el(
        quorum,
        "p",
        f"present {minutes['present']}, quorum {minutes['quorum']}, "
        f"members {minutes['membership']}",
    )
    for item in minutes["agenda"]:
        section = el(body, "debateSection", eId=f"item_{item['item']}", name=item["kind"])
        el(section, "num", str(item["item"]))
        el(section, "heading", item["title"])
        for speech in item["speakers"]:
            by = f"#{speech['member']}" if speech["member"] else "#parliament"
            sp = el(
                section,
                "speech",
                by=by,
                eId=f"speech_{speech['speech']}",
                startTime=speech["started"],
                endTime=speech["ended"] or speech["started"],
            )
            el(sp, "from", speech["speaker"])
            el(sp, "p", "")
        for vote in item["votes"]:
            voting = el(section, "voting", eId=f"vote_{vote['vote']}", name=vote["mode"])
            el(voting, "num", str(vote["vote"]))
            el(voting, "p", vote["question"])
            result = vote.get("result")
            if result:
                for key in ("for", "against", "abstain", "not_voting", "absent"):
                    el(
                        voting,
                        "quantity",
                        str(result[key]),
                        eId=f"vote_{vote['vote']}_{key}",
                        normalized=str(result[key]),
                        refersTo=f"#{key}",
                    )
                el(voting, "outcome", result["outcome"])
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
