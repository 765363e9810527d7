"""What the results portal and the protocol entry page show, built from the results.

The pages themselves are the templates in ``templates/elections/`` (rendered by the
handlers in ``plugin.py``): here only the figures each page needs, in plain values,
so that the templates format them in the page's language (``|number``, ``|percent``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import attrs
from urna.api import N_, Translator

from urna_elections.contests import Contest
from urna_elections.hierarchy import ancestry
from urna_elections.results import Results, contest_reach, district_totals

PREFIX = "/p/elections"

Turnout = Mapping[str, Mapping[str, Mapping[str, int]]]
"""``{commission: {hour: {"voters", "reporting"}}}`` as ``turnout_by_hour`` answers."""


_GROUPED: dict[str, dict[int | None, str]] = {}


def grouped(t: Translator) -> Callable[[int | None], str]:
    """``t.number``, remembered per language: the units table of a results page shows a
    thousand or more figures, most of them the same from one version to the next, and
    formatting each again (babel) was most of the page's cost."""
    known = _GROUPED.setdefault(t.language, {})

    def number(value: int | None) -> str:
        text = known.get(value)
        if text is None:
            if len(known) > 200_000:  # bounded: figures are counts, mostly repeated
                known.clear()
            text = known[value] = t.number(value)
        return text

    return number


SHARE_HEADINGS = {
    "valid": N_("Share of valid votes"),
    "valid-and-invalid": N_("Share of valid and invalid ballots"),
    "ballots-cast": N_("Share of ballots cast"),
    "registered": N_("Share of registered voters"),
}
"""The heading of the shares' column, by the profile's share base."""


@attrs.frozen(slots=True)
class ShareColumn:
    """How a page heads and formats the candidates' shares: as the law's profile says."""

    heading: str
    digits: int


def share_column(results: Results) -> ShareColumn:
    profile = results.election.profile
    return ShareColumn(SHARE_HEADINGS[profile.share_base.basis], profile.decimals)


@attrs.frozen(slots=True)
class Candidate:
    name: str
    votes: int
    share: Decimal | None
    """Of the profile's share base, rounded as it says; ``None`` while the base is zero."""


@attrs.frozen(slots=True)
class Unit:
    """A commission right under the page's one, with its link and its figures."""

    code: str
    name: str
    kind: str
    url: str
    received: int
    expected: int
    votes: tuple[int | None, ...]
    """Votes per candidate, in the order of the page's candidate columns (``None`` while a
    precinct's protocol is awaited)."""


@attrs.frozen(slots=True)
class Hour:
    hour: str
    voters: int | None
    reporting: int
    share: float | None
    """Of the voters on the list (the protocols' first line); ``None`` when unknown."""


@attrs.frozen(slots=True)
class ProtocolLine:
    id: str
    label: str
    value: int


def portal_url(election: str, unit: str = "") -> str:
    """A unit's page; its code quoted (codes keep the office's spaces and letters)."""
    return f"{PREFIX}/portal/{election}" + (f"/{quote(unit, safe='')}" if unit else "")


def election_url(election: str) -> str:
    return f"{PREFIX}/elections/{election}"


@attrs.frozen(slots=True)
class ContestVotes:
    """One contest's figures on a page: its candidates (and write-ins) with their shares,
    most votes first, then its over and under votes, which have no share."""

    id: str
    name: str
    district: str
    """The district's name ("" for a contest on every ballot)."""
    seats: int
    votes_allowed: int
    candidates: tuple[Candidate, ...]
    others: tuple[Candidate, ...]


@attrs.frozen(slots=True)
class EntryContest:
    name: str
    district: str
    fields: tuple[tuple[str, str], ...]
    """(selection id, name) of each field."""


def _district_name(results: Results, contest: Contest) -> str:
    district = results.election.districts.get(contest.district)
    commission = results.commissions.get(contest.district)
    return district.name if district else commission.name if commission else ""


def contest_votes(results: Results, contest: Contest, counts: Mapping[str, Any]) -> ContestVotes:
    """``contest`` with its votes in ``counts`` (a protocol or a total: ``lines`` and
    ``votes``), shares of the law's base over the contest's valid votes."""
    profile = results.election.profile
    votes = counts["votes"]
    base = profile.share_base.of(counts["lines"], contest.valid_votes(votes))
    valid = sorted(contest.candidates, key=lambda s: (-votes.get(s.id, 0), s.id))
    return ContestVotes(
        contest.id,
        contest.name,
        _district_name(results, contest),
        contest.seats,
        contest.votes_allowed,
        tuple(
            Candidate(s.name, votes.get(s.id, 0), profile.share(votes.get(s.id, 0), base))
            for s in valid
        ),
        tuple(
            Candidate(s.name, votes.get(s.id, 0), None) for s in contest.selections if not s.valid
        ),
    )


def contests_at(results: Results, code: str) -> list[ContestVotes]:
    """The contests of a commission's page. Nationally each contest over its whole district;
    under a commission, the contests of the ballots there, with the commission's totals."""
    election = results.election
    reach = contest_reach(results)
    apart = district_totals(results) if election.districts else {}
    found = []
    for contest in election.contests:
        if code not in reach[contest.id]:
            continue
        if code != results.central:
            counts = results.totals[code]
        elif contest.district in apart:
            counts = apart[contest.district]
        else:
            counts = results.totals.get(contest.district or code) or results.totals[code]
        found.append(contest_votes(results, contest, counts))
    return found


def units(results: Results, code: str) -> list[Unit]:
    """The commissions under ``code`` with their progress and votes (the data table of the
    results chart). Totals are kept above the precincts; a precinct's figures are its
    protocol's."""
    election = results.election
    found = []
    for child in results.children(code):
        if child.code in results.totals:
            total = results.totals[child.code]
            received, expected, votes = total["received"], total["expected"], total["votes"]
        else:
            protocol = results.protocols.get(child.code)
            received, expected = int(protocol is not None), 1
            votes = protocol.doc["votes"] if protocol else dict.fromkeys(election.candidates)
        found.append(
            Unit(
                child.code,
                child.name,
                child.kind,
                portal_url(election.code, child.code),
                received,
                expected,
                tuple(votes[c] for c in election.candidates) if _one_contest(results) else (),
            )
        )
    return found


def _one_contest(results: Results) -> bool:
    return len(results.election.contests) == 1


def _unit_columns(results: Results) -> list[str]:
    """The candidate columns of the units table: one contest's candidates; with several
    contests each unit's page has them, and the table shows the progress alone."""
    election = results.election
    return (
        [election.candidate_names[c] for c in election.candidates] if _one_contest(results) else []
    )


def hours(results: Results, turnout: Turnout, code: str) -> list[Hour]:
    """Turnout at each of the law's hours in ``code`` (the data table of the turnout chart),
    as a share of the voters on the list: the protocols' first line, summed above a precinct."""
    first_line = results.election.profile.lines[0].id
    protocol = results.protocols.get(code)
    if code in results.totals:
        electorate = results.totals[code]["lines"].get(first_line, 0)
    else:
        electorate = protocol.doc["lines"][first_line] if protocol else 0
    by_hour = turnout.get(code, {})
    rows = []
    for hour in results.election.profile.turnout_hours:
        reported = by_hour.get(hour)
        rows.append(
            Hour(
                hour,
                reported["voters"] if reported else None,
                reported["reporting"] if reported else 0,
                reported["voters"] / electorate if reported and electorate else None,
            )
        )
    return rows


def trail(results: Results, code: str) -> list[tuple[str, str]]:
    """``(name, url)`` of the commissions above ``code``, the central one first."""
    above = list(ancestry(results.commissions, code))[1:]
    return [
        (results.commissions[c].name, portal_url(results.election.code, c)) for c in reversed(above)
    ]


def results_context(results: Results, turnout: Turnout, code: str) -> dict[str, Any]:
    """The national or a constituency page: totals, progress, turnout, the units under it."""
    election = results.election
    commission = results.commissions[code]
    return {
        "election": election,
        "commission": commission,
        "national": code == results.central,
        "trail": trail(results, code),
        "total": results.totals[code],
        "contests": contests_at(results, code),
        "share_column": share_column(results),
        "candidate_names": _unit_columns(results),
        "units": units(results, code),
        "hours": hours(results, turnout, code),
        "base": election_url(election.code),
        "turnout_chart": f"{election_url(election.code)}/charts/{quote(code, safe='')}/turnout.svg",
    }


def precinct_context(
    results: Results, turnout: Turnout, code: str, language: str
) -> dict[str, Any]:
    """A precinct page: its protocol line by line (labels in ``language``), or that it is
    awaited."""
    election = results.election
    protocol = results.protocols.get(code)
    lines: Sequence[ProtocolLine] = ()
    if protocol is not None:
        lines = [
            ProtocolLine(line.id, line.label_in(language), protocol.doc["lines"][line.id])
            for line in election.profile.lines
        ]
    return {
        "election": election,
        "commission": results.commissions[code],
        "trail": trail(results, code),
        "protocol": protocol,
        "lines": lines,
        "contests": [
            contest_votes(results, contest, protocol.doc)
            for contest in election.contests_of(protocol.doc["votes"])
        ]
        if protocol
        else [],
        "share_column": share_column(results),
        "hours": hours(results, turnout, code),
        "pdf": f"{election_url(election.code)}/protocols/{quote(code, safe='')}/protocol.pdf",
    }


def entry_context(results: Results, language: str) -> dict[str, Any]:
    """The double-entry form: the law's lines (labels in ``language``) and the selections of
    every contest (a precinct's entry leaves the contests not on its ballot empty)."""
    election = results.election
    precincts = (c.code for c in results.commissions.values() if c.kind == "precinct")
    # the first precinct defined, as an example of a code (a polling station at home)
    return {
        "election": election,
        "lines": [(line.id, line.label_in(language)) for line in election.profile.lines],
        "contests": [
            EntryContest(
                contest.name,
                _district_name(results, contest),
                tuple((s.id, s.name) for s in contest.selections),
            )
            for contest in election.contests
        ],
        "example": next(precincts, ""),
        "action": f"{election_url(election.code)}/drafts",
    }
