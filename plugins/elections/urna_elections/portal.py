"""The public results portal: server-rendered pages (no inline script or style, per the CSP)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from urna_elections.results import Results

PREFIX = "/p/elections"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{PREFIX}/static/portal.css"></head>'
        f"<body>{body}</body></html>"
    )


def index_page(elections: list[tuple[str, str]]) -> str:
    """The list of elections, ``(code, title)`` each: titles come from an administrator."""
    items = "".join(
        f'<li><a href="{PREFIX}/portal/{escape(code)}">{escape(title)}</a></li>'
        for code, title in elections
    )
    return _page("Elections", f"<h1>Elections</h1><ul>{items}</ul>")


def _progress(total: Mapping[str, int]) -> str:
    return (
        f'<span class="progress" id="progress">{total["received"]} of '
        f"{total['expected']} protocols received</span>"
    )


def _status(results: Results) -> str:
    status = results.election.status
    return f'<p class="status-{status}" id="status">Results are {escape(status)}.</p>'


def _votes_table(results: Results, code: str) -> str:
    election = results.election
    votes = results.totals[code]["votes"]
    total = sum(votes.values()) or 1
    rows = "".join(
        f"<tr><td>{escape(election.candidate_names[c])}</td><td>{votes[c]}</td>"
        f"<td>{100 * votes[c] / total:.2f}%</td></tr>"
        for c in sorted(election.candidates, key=lambda c: -votes[c])
    )
    return (
        f'<table id="votes"><tr><th>Candidate</th><th>Votes</th><th>Share</th></tr>{rows}</table>'
    )


def _children_table(results: Results, code: str, election: str) -> str:
    rows = []
    for child in results.children(code):
        link = f"{PREFIX}/portal/{escape(election)}/{escape(child.code)}"
        if child.kind == "precinct":
            state = "received" if child.code in results.protocols else "awaited"
            rows.append(
                f'<tr><td><a href="{link}">{escape(child.name)}</a></td><td>{state}</td></tr>'
            )
        else:
            total = results.totals[child.code]
            rows.append(
                f'<tr><td><a href="{link}">{escape(child.name)}</a></td>'
                f"<td>{total['received']} / {total['expected']}</td></tr>"
            )
    return '<table id="units"><tr><th>Unit</th><th>Protocols</th></tr>' + "".join(rows) + "</table>"


def _turnout(
    turnout: Mapping[str, Mapping[str, int]], hours: tuple[str, ...], expected: int
) -> str:
    if not turnout:
        return "<p>No turnout reported yet.</p>"
    rows = "".join(
        f"<tr><td>{h}</td><td>{turnout[h]['voters']}</td><td>{turnout[h]['reporting']} / "
        f"{expected}</td></tr>"
        for h in hours
        if h in turnout
    )
    return (
        '<h2>Turnout</h2><table id="turnout"><tr><th>Hour</th><th>Voters</th>'
        f"<th>Precincts reporting</th></tr>{rows}</table>"
    )


def national_page(results: Results, turnout: Mapping[str, Mapping[str, int]]) -> str:
    election = results.election
    code = results.central
    base = f"{PREFIX}/elections/{escape(election.code)}"
    downloads = (
        f'<nav id="downloads"><a href="{base}/open-data.csv">Open data (CSV)</a>'
        f'<a href="{base}/open-data.json">Open data (JSON)</a>'
        f'<a href="{base}/nist.json">NIST SP 1500-100 v2</a>'
        f'<a href="{base}/record.tar">Signed record</a>'
        f'<a href="{base}/reports/results.pdf">Results report (PDF)</a>'
        f'<a href="{base}/reports/turnout.pdf">Turnout report (PDF)</a></nav>'
        f'<figure><img id="turnout-chart" alt="Turnout by hour" '
        f'src="{base}/charts/{escape(code)}/turnout.svg"></figure>'
    )
    body = (
        f"<h1>{escape(election.title)}</h1>{_status(results)}<p>{_progress(results.totals[code])}</p>"
        f"{downloads}<h2>National results</h2>{_votes_table(results, code)}"
        f"{_turnout(turnout, election.profile.turnout_hours, results.totals[code]['expected'])}"
        f"<h2>Units</h2>{_children_table(results, code, election.code)}"
    )
    return _page(election.title, body)


def commission_page(results: Results, code: str, turnout: Mapping[str, Mapping[str, int]]) -> str:
    election = results.election
    commission = results.commissions[code]
    back = f'<p><a href="{PREFIX}/portal/{escape(election.code)}">National results</a></p>'
    if commission.kind != "precinct":
        total = results.totals[code]
        body = (
            f"{back}<h1>{escape(commission.name)}</h1>{_status(results)}<p>{_progress(total)}</p>"
            f"{_votes_table(results, code)}"
            f"{_turnout(turnout, election.profile.turnout_hours, total['expected'])}"
            f"{_children_table(results, code, election.code)}"
        )
        return _page(commission.name, body)
    protocol = results.protocols.get(code)
    if protocol is None:
        body = f'{back}<h1>{escape(commission.name)}</h1><p id="protocol">Protocol awaited.</p>'
        return _page(commission.name, body)
    doc = protocol.doc
    lines = "".join(
        f"<tr><td>{escape(line.id)}</td><td>{escape(line.label)}</td><td>{doc['lines'][line.id]}</td></tr>"
        for line in election.profile.lines
    )
    votes = "".join(
        f"<tr><td>{escape(election.candidate_names[c])}</td><td></td><td>{doc['votes'][c]}</td></tr>"
        for c in election.candidates
    )
    correction = (
        f'<p id="correction">Repeat protocol superseding {escape(doc["supersedes"][:16])}…: '
        f"{escape(doc['reason'])}</p>"
        if doc["supersedes"]
        else ""
    )
    body = (
        f"{back}<h1>{escape(commission.name)}</h1>{_status(results)}"
        f'<p>Protocol digest <code id="digest">{escape(protocol.digest)}</code> '
        f'<a id="protocol-pdf" href="{PREFIX}/elections/{escape(election.code)}/protocols/'
        f'{escape(code)}/protocol.pdf">printable protocol with signatures (PDF)</a></p>'
        f"{correction}"
        f'<table id="protocol"><tr><th>Line</th><th>Item</th><th>Value</th></tr>{lines}{votes}'
        "</table>"
    )
    return _page(commission.name, body)


def entry_page(results: Results) -> str:
    election = results.election
    inputs = "".join(
        f"<label>{escape(line.id)} {escape(line.label)} "
        f'<input type="number" min="0" required name="l-{escape(line.id)}" '
        f'data-line="{escape(line.id)}"></label><br>'
        for line in election.profile.lines
    )
    inputs += "".join(
        f'<label>{escape(election.candidate_names[c])} <input type="number" min="0" required '
        f'name="v-{escape(c)}" data-candidate="{escape(c)}"></label><br>'
        for c in election.candidates
    )
    body = (
        f"<h1>Protocol entry: {escape(election.title)}</h1>"
        f'<form id="entry" data-action="{PREFIX}/elections/{escape(election.code)}/drafts">'
        '<label>Precinct <input name="precinct" required></label><br>'
        f'{inputs}<button type="submit" id="submit">Enter</button></form>'
        '<div id="outcome"></div>'
        f'<script src="{PREFIX}/static/entry.js"></script>'
    )
    return _page("Protocol entry", body)
