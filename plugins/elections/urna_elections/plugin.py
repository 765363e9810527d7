"""Hook implementations of the elections plugin: routes, roles, record, checks, commands, demo."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import click
from sanic import Request
from sanic.response import HTTPResponse, raw
from sanic.response import json as json_response
from urna.api import (
    N_,
    ApiError,
    CommandContext,
    Demo,
    EventType,
    LedgerError,
    ModelApp,
    Page,
    Report,
    ReportContext,
    Role,
    Route,
    Services,
    Settings,
    Translator,
    VerifierCheck,
    field,
    guess_secret,
    hookimpl,
    json_body,
    principal_of,
    public_read,
    render,
    run_memory_hard,
    services_of,
    static_route,
    translator,
    translator_of,
)
from urna.crypto.signing import SigningKey
from urna.languages import LANGUAGES
from urna.record.bundle import canonical_tar

from urna_elections import hookspecs, models, portal, reports
from urna_elections.cache import warm
from urna_elections.contest_results import contest_results, format_text
from urna_elections.entry import draft_view, enter, sign_draft
from urna_elections.importer import ImportError_, import_protocols, mapping_from_file, read_csv_file
from urna_elections.keystore import KeystoreError, seal, unseal
from urna_elections.law import (
    DEFAULT_PROFILE,
    Profile,
    ProfileError,
    builtin_profiles,
    read_profile_file,
)
from urna_elections.live import (
    Live,
    NoCommissions,
    Rendered,
    live_results,
    refresh_seconds,
    remember,
    warm_results,
)
from urna_elections.nist import nist_report
from urna_elections.official import IncompleteResults, ReasonError, clean_reason, mark_official
from urna_elections.package import PackageError
from urna_elections.protocols import ProtocolRejected, submit_signed
from urna_elections.publish import open_data_csv, open_data_json
from urna_elections.record import EVENT_TYPES, VERIFIER_CHECKS, scope_of
from urna_elections.results import Results, compute, report_turnout, turnout_by_hour
from urna_elections.structure import (
    ElectionInfo,
    NewMember,
    StructureError,
    add_commissions,
    add_members,
    create_election,
    election_info,
    import_structure,
    load_election,
    structure_document,
)
from urna_elections.transfer import import_package

URNA_HOOKSPECS = hookspecs

READ = "elections.results.read"
ENTER = "elections.protocols.enter"
SIGN = "elections.protocols.sign"
SUBMIT = "elections.protocols.submit"
ADMIN = "elections.admin"


def profiles_of(services: Services) -> dict[str, Profile]:
    """Every profile the loaded plugins register, by name (a duplicate name is an error)."""
    found: dict[str, Profile] = {}
    for contributed in services.plugin_manager.hook.urna_elections_register_profiles():
        for profile in contributed or ():
            if not isinstance(profile, Profile):
                raise ApiError(500, "a plugin registered a profile that is not a Profile")
            if profile.name in found:
                raise ApiError(500, f"two plugins register the profile {profile.name!r}")
            found[profile.name] = profile
    return found


async def _election(code: str) -> ElectionInfo:
    try:
        return await load_election(code)
    except StructureError as exc:
        raise ApiError(404, str(exc)) from None


async def _live(request: Request, code: str, *, public: bool = True) -> Live:
    """The election's results as materialised in this process. For the public: at most
    ``[plugin.elections] results_refresh_ms`` older than the head (election night,
    ``live.py``), from the read replica when one is configured and fresh. For the
    operators' pages (``public=False``): as of the primary's head, their own writes seen."""
    services = services_of(request)
    refresh = refresh_seconds(services.settings.plugin_config("elections"))

    async def public_results() -> Live:
        return await live_results(services.ledger, code, refresh=refresh)

    try:
        if not public:
            return await live_results(services.ledger, code)
        return await public_read(services, public_results)
    except NoCommissions as exc:  # nothing to count yet
        raise ApiError(409, str(exc)) from None
    except StructureError as exc:
        raise ApiError(404, str(exc)) from None


async def _results(request: Request, election: ElectionInfo, *, public: bool = True) -> Results:
    return (await _live(request, election.code, public=public)).results


def _not_modified(request: Request, etag: str) -> HTTPResponse | None:
    """304 when the client already holds this version (``If-None-Match``)."""
    given = request.headers.get("If-None-Match", "")
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    if etag in tags or "*" in tags:
        return HTTPResponse(status=304, headers={"ETag": etag})
    return None


def _page_varies(request: Request) -> tuple[str, ...]:
    """What besides the results' version shapes a page: its language and who reads it (the
    layout shows the reader's menu and form token)."""
    principal = principal_of(request)
    return (translator_of(request).language, principal.key, principal.csrf_token)


def _once_per_version(
    request: Request, live: Live, varies: tuple[str, ...], make: Callable[[Live], HTTPResponse]
) -> HTTPResponse:
    """304 when the client holds this version (ETag: the version and ``varies``); else the
    response ``make`` gives of it, made once per version and path, then served to the next
    readers as made. Remembered, so that the next versions' are made ahead of readers."""
    etag = live.etag(*varies)
    unchanged = _not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    path = f"{request.path}?{request.query_string}"

    def made_of(version: Live) -> tuple[str, Rendered]:
        response = make(version)
        return f"{path}\0{version.etag(*varies)}", (
            bytes(response.body or b""),
            response.content_type or "text/html; charset=utf-8",
            dict(response.headers),
        )

    made = live.rendered.get(f"{path}\0{etag}")
    if made is None:
        key, made = made_of(live)
        if len(live.rendered) >= 256:  # many signed-in readers of one version: bounded
            live.rendered.clear()
        live.rendered[key] = made
        name = "\0".join((path, *varies))
        remember(services_of(request).ledger, live.results.election.code, name, made_of)
    body, content_type, headers = made
    response = raw(body, content_type=content_type, headers=headers)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"  # kept, but asked again each time
    return response


def _rejected(exc: ProtocolRejected) -> HTTPResponse:
    return json_response({"error": str(exc), "problems": exc.problems}, status=exc.status)


async def list_elections(request: Request) -> HTTPResponse:
    rows = await models.Election.all().order_by("code")
    return json_response(
        [
            {
                "code": r.code,
                "title": r.title,
                "date": r.date,
                "status": r.status,
                "profile": json.loads(r.profile)["name"],
            }
            for r in rows
        ]
    )


async def list_profiles(request: Request) -> HTTPResponse:
    return json_response([p.to_json() for p in profiles_of(services_of(request)).values()])


async def create_election_route(request: Request) -> HTTPResponse:
    body = json_body(request)
    services = services_of(request)
    profiles = profiles_of(services)
    name = body.get("profile", DEFAULT_PROFILE)
    if not isinstance(name, str) or name not in profiles:
        raise ApiError(
            422, f"field 'profile' names no profile ({name!r}); known: {sorted(profiles)}"
        )
    try:
        election = await create_election(
            services.ledger,
            code=str(body.get("code", "")),
            title=str(body.get("title", "")),
            kind=str(body.get("kind", "general")),
            date=str(body.get("date", "")),
            profile=profiles[name],
            candidates=body.get("candidates") or [],
        )
    except (StructureError, LedgerError, TypeError, KeyError, AttributeError) as exc:
        raise ApiError(422, f"election refused: {exc}") from None
    return json_response({"code": election.code, "scope": election.scope}, status=201)


async def add_commissions_route(request: Request, code: str) -> HTTPResponse:
    body = json_body(request)
    election = await _election(code)
    items = body.get("commissions")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ApiError(422, "field 'commissions' must be a list of objects")
    try:
        count = await add_commissions(services_of(request).ledger, election, items)
    except (StructureError, LedgerError, KeyError) as exc:
        raise ApiError(422, f"commissions refused: {exc}") from None
    return json_response({"added": count}, status=201)


async def add_members_route(request: Request, code: str) -> HTTPResponse:
    """Register members with public keys they hold (on a card), or have a key made here and
    sealed under the member's passphrase (Argon2id); passphrases are never stored or logged."""
    body = json_body(request)
    election = await _election(code)
    items = body.get("members")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ApiError(422, "field 'members' must be a list of objects")
    members = []
    try:
        for item in items:
            keystore = None
            key = item.get("key")
            if key is None:
                passphrase = item.get("passphrase")
                if not isinstance(passphrase, str):
                    raise StructureError("a member needs a key (card) or a passphrase")
                secret = SigningKey.from_seed(os.urandom(32))
                keystore = await run_memory_hard(seal, secret, passphrase)
                key = secret.verify_key.hex()
            members.append(
                NewMember(
                    str(item["commission"]),
                    str(item["name"]),
                    str(item.get("role", "member")),
                    str(key),
                    bool(item.get("decisive", True)),
                    keystore,
                )
            )
        count = await add_members(services_of(request).ledger, election, members)
    except (StructureError, LedgerError, KeystoreError, KeyError) as exc:
        raise ApiError(422, f"members refused: {exc}") from None
    return json_response({"added": count, "keys": [m.key for m in members]}, status=201)


async def submit_protocol(request: Request, code: str) -> HTTPResponse:
    """Accept a protocol signed by its commission's members; the digest makes it idempotent."""
    body = json_body(request)
    try:
        accepted = await submit_signed(services_of(request).ledger, code, body, "api")
    except StructureError as exc:
        raise ApiError(404, str(exc)) from None
    except ProtocolRejected as exc:
        return _rejected(exc)
    except LedgerError as exc:
        raise ApiError(422, str(exc)) from None
    return json_response(
        {
            "digest": accepted.digest,
            "precinct": accepted.precinct,
            "seq": accepted.seq,
            "version": accepted.version,
            "created": accepted.created,
        },
        status=201 if accepted.created else 200,
    )


async def submit_turnout(request: Request, code: str) -> HTTPResponse:
    body = json_body(request)
    election = await _election(code)
    reports = body.get("reports")
    if not isinstance(reports, list):
        raise ApiError(422, "field 'reports' must be a list of {precinct, hour, voters}")
    try:
        count = await report_turnout(services_of(request).ledger, election, reports)
    except (StructureError, LedgerError) as exc:
        raise ApiError(422, str(exc)) from None
    return json_response({"recorded": count}, status=201)


async def enter_draft(request: Request, code: str) -> HTTPResponse:
    body = json_body(request)
    election = await _election(code)
    precinct = body.get("precinct")
    if not isinstance(precinct, str):
        raise ApiError(422, "field 'precinct' is required")
    try:
        view = await enter(
            election,
            precinct.strip(),
            principal_of(request).username,
            body,
            supersedes=str(body.get("supersedes", "")),
            reason=str(body.get("reason", "")),
        )
    except ProtocolRejected as exc:
        return _rejected(exc)
    return json_response(view)


async def show_draft(request: Request, code: str, draft_id: int) -> HTTPResponse:
    election = await _election(code)
    draft = await models.Draft.get_or_none(id=draft_id, election_id=election.id)
    if draft is None:
        raise ApiError(404, f"no draft {draft_id}")
    return json_response(draft_view(election, draft))


async def sign_draft_route(request: Request, code: str, draft_id: int) -> HTTPResponse:
    """A member signs with the key sealed on this appliance, unlocked by their passphrase."""
    body = json_body(request)
    election = await _election(code)
    member_key = field(body, "member_key", str, max_length=models.CODE_LENGTH)
    passphrase = field(body, "passphrase", str, max_length=1024, strip=False)
    member = await models.Member.get_or_none(election_id=election.id, key=member_key)
    if member is None or member.keystore is None:
        raise ApiError(403, "no member key sealed on this appliance for that key")
    keystore = member.keystore
    guessers = [f"elections.member:{member_key}", f"elections.passphrase-from:{request.ip}"]
    try:
        key = await guess_secret(
            guessers, lambda: run_memory_hard(unseal, keystore, passphrase), wrong=KeystoreError
        )
    except KeystoreError:
        raise ApiError(403, "wrong passphrase") from None
    try:
        dissent = body.get("dissent", "")
        view = await sign_draft(
            services_of(request).ledger,
            election,
            draft_id,
            key,
            dissent=dissent if isinstance(dissent, str) else "",
        )
    except ProtocolRejected as exc:
        return _rejected(exc)
    return json_response(view)


async def mark_official_route(request: Request, code: str) -> HTTPResponse:
    """Declare the results official: ``{"reason": text}`` (or no body when every precinct has
    sent its protocol). 409 with ``missing`` (the precincts) when some have not and no
    reason is given; nothing is recorded then."""
    election = await _election(code)
    body = json_body(request) if request.body else {}
    unknown = sorted(set(body) - {"reason"})
    if unknown:
        raise ApiError(422, f'unexpected fields {unknown}; the body is {{"reason": text}}')
    try:
        answer = await mark_official(
            services_of(request).ledger, election, clean_reason(body.get("reason", ""))
        )
    except IncompleteResults as exc:
        return json_response({"error": str(exc), "missing": exc.missing}, status=409)
    except ReasonError as exc:
        raise ApiError(422, str(exc)) from None
    except StructureError as exc:  # already official
        raise ApiError(409, str(exc)) from None
    return json_response(answer)


def _trusted(services: Services) -> dict[str, str]:
    config = services.settings.plugin_config("elections")
    trusted = config.get("trusted_senders", {})
    result = {str(k): str(v) for k, v in trusted.items()} if isinstance(trusted, dict) else {}
    result.setdefault(services.fingerprint, "*")
    return result


async def import_package_route(request: Request, code: str) -> HTTPResponse:
    """Import a signed summary package (raw bytes): signature first, then contents."""
    election = await _election(code)
    services = services_of(request)
    try:
        answer = await import_package(
            services.ledger, election, bytes(request.body or b""), _trusted(services)
        )
    except PackageError as exc:
        raise ApiError(422, str(exc)) from None
    return json_response(answer, status=201 if not answer["already"] else 200)


async def results_json(request: Request, code: str) -> HTTPResponse:
    live = await _live(request, code)

    def make(version: Live) -> HTTPResponse:
        election = version.results.election
        document = {
            "election": election.code,
            "status": election.status,
            "totals": version.results.totals,
            "turnout": version.turnout,
        }
        return raw(json.dumps(document).encode(), content_type="application/json")

    return _once_per_version(request, live, (), make)


def _disposition(name: str, *, inline: bool = False) -> dict[str, str]:
    """The header naming a download: shown in the browser when ``inline``, else saved; the
    name kept to letters, digits, dot, dash and underscore (codes are not checked for more)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return {"Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{safe}"'}


def _words(request: Request) -> Translator:
    """The language of a report, chart or CSV: ``?lang=`` when it names one (a link to a
    file in a chosen language), else the request's, as for its pages."""
    language = request.args.get("lang", "")
    if language in LANGUAGES:
        return translator(services_of(request), language)
    return translator_of(request)


def _in_language(t: Translator, name: str, *, inline: bool = False) -> dict[str, str]:
    """The headers of a download written in ``t``'s language."""
    return {
        **_disposition(name, inline=inline),
        "Content-Language": t.language,
        "Vary": "Accept-Language, Cookie",
    }


async def open_data_csv_route(request: Request, code: str) -> HTTPResponse:
    results = await _results(request, await _election(code))
    t = _words(request)
    return raw(
        open_data_csv(results, t).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers=_in_language(t, f"{code}-open-data.csv"),
    )


async def open_data_json_route(request: Request, code: str) -> HTTPResponse:
    results = await _results(request, await _election(code))
    return json_response(open_data_json(results), headers=_disposition(f"{code}-open-data.json"))


async def nist_route(request: Request, code: str) -> HTTPResponse:
    election = await _election(code)
    results = await _results(request, election)
    row = await models.Election.get(code=code)
    generated = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json_response(
        nist_report(results, generated=generated, election_date=row.date),
        headers=_disposition(f"{code}-nist-results.json"),
    )


async def record_route(request: Request, code: str) -> HTTPResponse:
    election = await _election(code)
    services = services_of(request)
    files = await public_read(services, lambda: services.ledger.bundle_files(election.scope))
    return raw(
        canonical_tar(files),
        content_type="application/x-tar",
        headers=_disposition(f"{code}-record.tar"),
    )


async def portal_index(request: Request) -> HTTPResponse:
    """The elections on this appliance, each with its results page."""
    rows = await models.Election.all().order_by("code")
    return render(request, "elections/index.html", {"elections": rows})


async def portal_national(request: Request, code: str) -> HTTPResponse:
    live = await _live(request, code)
    return _results_page(request, live, live.results.central)


async def portal_unit(request: Request, code: str, unit: str) -> HTTPResponse:
    """A constituency's results, or a precinct's protocol."""
    live = await _live(request, code)
    unit = unquote(unit)  # codes as the office's files give them: any letters, spaces
    if unit not in live.results.commissions:
        raise ApiError(404, f"no unit {unit!r} in {code}")
    return _results_page(request, live, unit)


def _results_page(request: Request, live: Live, unit: str) -> HTTPResponse:
    """The page of ``unit``: its results (national, constituency), or its protocol."""
    t = translator_of(request)

    def make(version: Live) -> HTTPResponse:
        results = version.results
        if results.commissions[unit].kind == "precinct":
            context = portal.precinct_context(results, version.turnout, unit, t.language)
            return render(request, "elections/precinct.html", context)
        context = portal.results_context(results, version.turnout, unit)
        context["grouped"] = portal.grouped(t)
        return render(request, "elections/results.html", context)

    return _once_per_version(request, live, _page_varies(request), make)


async def entry_list(request: Request) -> HTTPResponse:
    """The elections an operator may enter protocols for (the navigation's way in)."""
    rows = await models.Election.all().order_by("code")
    return render(request, "elections/work.html", {"elections": rows})


async def entry_page(request: Request, code: str) -> HTTPResponse:
    election = await _election(code)
    results = await _results(request, election, public=False)
    context = portal.entry_context(results, translator_of(request).language)
    return render(request, "elections/entry.html", context)


async def precinct_protocol_pdf(
    election: ElectionInfo, results: Results, precinct: str, t: Translator
) -> bytes:
    """The PDF of ``precinct``'s current protocol with its members and signatures."""
    row = await models.Protocol.get_or_none(
        election_id=election.id, precinct_code=precinct, current=True
    )
    if row is None or precinct not in results.protocols:
        raise ApiError(404, f"{precinct} has no accepted protocol in {election.code}")
    members = (
        await models.Member.filter(election_id=election.id, commission_code=precinct)
        .order_by("id")
        .values("key", "name", "role", "decisive")
    )
    signed = json.loads(row.signatures)
    return await asyncio.to_thread(
        reports.protocol_pdf, results, precinct, signed, members, t, seq=row.seq
    )


async def results_pdf(election: ElectionInfo, results: Results, t: Translator) -> bytes:
    return await asyncio.to_thread(reports.results_pdf, results, t)


async def turnout_pdf(election: ElectionInfo, results: Results, t: Translator) -> bytes:
    turnout = await turnout_by_hour(election, results.commissions)
    return await asyncio.to_thread(reports.turnout_pdf, results, turnout, t)


def _pdf(data: bytes, name: str, t: Translator) -> HTTPResponse:
    return raw(data, content_type="application/pdf", headers=_in_language(t, name, inline=True))


async def protocol_pdf_route(request: Request, code: str, precinct: str) -> HTTPResponse:
    precinct = unquote(precinct)
    election = await _election(code)
    results = await _results(request, election)
    t = _words(request)
    data = await precinct_protocol_pdf(election, results, precinct, t)
    return _pdf(data, f"{code}-{precinct}-protocol.pdf", t)


async def results_pdf_route(request: Request, code: str) -> HTTPResponse:
    election = await _election(code)
    t = _words(request)
    data = await results_pdf(election, await _results(request, election), t)
    return _pdf(data, f"{code}-results.pdf", t)


async def turnout_pdf_route(request: Request, code: str) -> HTTPResponse:
    election = await _election(code)
    t = _words(request)
    data = await turnout_pdf(election, await _results(request, election), t)
    return _pdf(data, f"{code}-turnout.pdf", t)


def _svg(data: bytes, name: str, t: Translator) -> HTTPResponse:
    return raw(data, content_type="image/svg+xml", headers=_in_language(t, name, inline=True))


async def turnout_svg_route(request: Request, code: str, unit: str) -> HTTPResponse:
    unit = unquote(unit)
    live = await _live(request, code)
    if unit not in live.results.commissions:
        raise ApiError(404, f"no unit {unit!r} in {code}")
    t = _words(request)
    chart = reports.turnout_svg(live.results, live.turnout, unit, t)
    return _svg(chart, f"{code}-{unit}-turnout-by-hour.svg", t)


async def results_svg_route(request: Request, code: str) -> HTTPResponse:
    election = await _election(code)
    results = await _results(request, election)
    t = _words(request)
    return _svg(reports.results_svg(results, t), f"{code}-results-by-constituency.svg", t)


def _report(name: str, title: str, make: Any) -> Report:
    async def render(scope: str, format: str, context: ReportContext) -> bytes:
        if format != "pdf":
            raise ValueError(f"the {name} report is rendered as pdf, not {format!r}")
        code = scope.removeprefix("election.")
        election = await load_election(code)
        return bytes(await make(election, await compute(election), context.translator))

    return Report(name, title, ("pdf",), render)


@hookimpl
def urna_register_reports() -> list[Report]:
    return [
        _report(
            "elections.results", "Results: central summary, by constituency, chart", results_pdf
        ),
        _report("elections.turnout", "Turnout report with turnout by hour", turnout_pdf),
    ]


STATIC = {"portal.css": "text/css", "entry.js": "text/javascript"}


@hookimpl
def urna_register_routes() -> list[Route]:
    e = "/elections/<code>"
    return [
        Route("/profiles", list_profiles, summary="Election-law profiles"),
        Route("/elections", list_elections, summary="Elections"),
        Route(
            "/elections",
            create_election_route,
            ("POST",),
            ADMIN,
            idempotent=True,
            summary="Define an election",
        ),
        Route(
            f"{e}/commissions",
            add_commissions_route,
            ("POST",),
            ADMIN,
            idempotent=True,
            summary="Add commissions",
        ),
        Route(
            f"{e}/members",
            add_members_route,
            ("POST",),
            ADMIN,
            idempotent=True,
            summary="Register commission members and keys",
        ),
        Route(
            f"{e}/protocols",
            submit_protocol,
            ("POST",),
            SUBMIT,
            summary="Submit a signed protocol (idempotent by digest)",
        ),
        Route(
            f"{e}/turnout",
            submit_turnout,
            ("POST",),
            SUBMIT,
            idempotent=True,
            summary="Report turnout",
        ),
        Route(
            f"{e}/drafts", enter_draft, ("POST",), ENTER, summary="Enter a protocol (double entry)"
        ),
        Route(f"{e}/drafts/<draft_id:int>", show_draft, permission=ENTER, summary="A draft"),
        Route(
            f"{e}/drafts/<draft_id:int>/sign",
            sign_draft_route,
            ("POST",),
            SIGN,
            summary="Sign a draft with a sealed member key",
        ),
        Route(
            f"{e}/official",
            mark_official_route,
            ("POST",),
            ADMIN,
            idempotent=True,
            summary="Mark the results official (then frozen); with precincts missing, a reason",
        ),
        Route(
            f"{e}/packages",
            import_package_route,
            ("POST",),
            ADMIN,
            summary="Import a signed summary package (idempotent by digest)",
        ),
        Route(f"{e}/results.json", results_json, summary="Totals and progress"),
        Route(f"{e}/open-data.csv", open_data_csv_route, summary="Open data per precinct (CSV)"),
        Route(f"{e}/open-data.json", open_data_json_route, summary="Open data (JSON)"),
        Route(f"{e}/nist.json", nist_route, summary="NIST SP 1500-100 v2 results"),
        Route(f"{e}/record.tar", record_route, summary="The election's signed record"),
        Route(f"{e}/reports/results.pdf", results_pdf_route, summary="Results report (PDF)"),
        Route(f"{e}/reports/turnout.pdf", turnout_pdf_route, summary="Turnout report (PDF)"),
        Route(
            f"{e}/protocols/<precinct>/protocol.pdf",
            protocol_pdf_route,
            summary="A precinct's protocol with its signatures (PDF)",
        ),
        Route(f"{e}/charts/results.svg", results_svg_route, summary="Results by constituency"),
        Route(f"{e}/charts/<unit>/turnout.svg", turnout_svg_route, summary="Turnout by hour"),
        static_route("urna_elections", STATIC, "The pages' script and stylesheet"),
    ]


@hookimpl
def urna_register_pages() -> list[Page]:
    return [
        Page("/portal", portal_index, N_("Election results"), order=20),
        Page("/portal/<code>", portal_national, N_("National results"), nav=None),
        Page(
            "/portal/<code>/<unit>", portal_unit, N_("Constituency or precinct results"), nav=None
        ),
        Page("/entry", entry_list, N_("Protocol entry"), permission=ENTER, nav="work", order=20),
        Page("/elections/<code>/enter", entry_page, N_("Protocol entry"), ENTER, nav=None),
    ]


@hookimpl
def urna_register_roles() -> list[Role]:
    return [
        Role("elections.operator", (READ, ENTER), "Enters protocols (double entry)."),
        Role("elections.member", (READ, SIGN), "Commission member: signs protocols."),
        Role("elections.sender", (READ, SUBMIT), "A lower appliance sending protocols/turnout."),
        Role(
            "elections.administrator",
            (READ, ENTER, SIGN, SUBMIT, ADMIN),
            "Defines elections, imports packages, marks results official.",
        ),
    ]


@hookimpl
def urna_elections_register_profiles() -> list[Profile]:
    return builtin_profiles()


@hookimpl
def urna_register_models() -> list[ModelApp]:
    return [ModelApp(models="urna_elections.models", migrations="urna_elections.migrations")]


@hookimpl
def urna_register_event_types() -> list[EventType]:
    return list(EVENT_TYPES)


@hookimpl
def urna_register_verifier_checks() -> list[VerifierCheck]:
    return list(VERIFIER_CHECKS)


@click.command(name="import-protocols")
@click.argument("election")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON column mapping (wide or long); default: the 2012 Russian presidential file's",
)
@click.option(
    "--rejections",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="write every rejection (row, precinct, column, cause, problem) to this CSV file",
)
@click.pass_obj
def import_command(
    context: CommandContext,
    election: str,
    path: Path,
    mapping: Path | None,
    rejections: Path | None,
) -> None:
    """Import protocols from a CSV (or zipped CSV) file with a column mapping."""
    import csv
    import io

    from urna_elections.importer import ru_2012_mapping

    async def run() -> None:
        data, text = read_csv_file(path)
        header = next(csv.reader(io.StringIO(text)), [])
        columns = mapping_from_file(mapping) if mapping else ru_2012_mapping(header)
        async with context.services() as services:
            info = await load_election(election)
            with click.progressbar(length=1, label="importing") as bar:

                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                report = await import_protocols(
                    services.ledger, info, path.name, data, text, columns, progress=progress
                )
        click.echo(
            f"{report.rows} rows read: imported {report.imported} protocols, "
            f"{len(report.rejected)} rejected; {report.commissions} commissions and "
            f"{report.contests} contests added"
        )
        for cause, count in report.causes().most_common():
            click.echo(f"  {count} × {cause}")
        if rejections is not None:
            await asyncio.to_thread(
                rejections.write_text, report.rejections_csv(), encoding="utf-8"
            )
            click.echo(f"every rejection is in {rejections}")
        else:
            for rejected in report.rejected[:20]:
                click.echo(
                    f"  row {rejected.row} {rejected.precinct}: {'; '.join(rejected.problems)}"
                )
            if len(report.rejected) > 20:
                click.echo("  ... (--rejections FILE writes them all)")

    try:
        asyncio.run(run())
    except (ImportError_, StructureError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command(name="import-nist")
@click.argument("election")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_nist_command(context: CommandContext, election: str, path: Path) -> None:
    """Import a NIST SP 1500-100 v2 results report (JSON): its reporting units, districts,
    contests and precinct counts."""
    from urna_elections.nist import NistError, import_nist

    async def run() -> None:
        data = await asyncio.to_thread(path.read_bytes)
        async with context.services() as services:
            info = await load_election(election)
            report = await import_nist(services.ledger, info, path.name, data)
        click.echo(
            f"imported {report.imported} protocols, {len(report.rejected)} rejected; "
            f"{report.commissions} units and {report.contests} contests added"
        )
        for rejected in report.rejected[:20]:
            click.echo(f"  {rejected.precinct}: {'; '.join(rejected.problems)}")

    try:
        asyncio.run(run())
    except (NistError, StructureError) as exc:
        raise click.ClickException(str(exc)) from None


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command(name="import-structure")
@click.argument("path", type=_FILE)
@click.option("--commissions", type=_FILE, help="commissions CSV: code,name,kind,parent")
@click.option("--members", type=_FILE, help="members CSV: commission,name,role,key[,decisive]")
@click.pass_obj
def import_structure_command(
    context: CommandContext, path: Path, commissions: Path | None, members: Path | None
) -> None:
    """Define an election from a structure file (JSON), its commissions and members from
    the JSON or from CSV files; all or nothing."""

    async def run(document: dict[str, Any]) -> None:
        async with context.services() as services:
            election = await import_structure(
                services.ledger, document, profiles_of(services), path.parent
            )
        click.echo(
            f"election {election.code}: {len(document.get('commissions', []))} commissions, "
            f"{len(document.get('members', []))} members"
        )

    try:
        try:
            document = structure_document(
                path.read_text(encoding="utf-8"),
                commissions.read_text(encoding="utf-8") if commissions else None,
                members.read_text(encoding="utf-8") if members else None,
            )
        except UnicodeDecodeError as exc:
            raise StructureError(f"a structure file is not UTF-8 text: {exc.reason}") from None
        asyncio.run(run(document))
    except (StructureError, LedgerError) as exc:
        raise click.ClickException(f"nothing imported: {exc}") from None


@click.group(name="profiles")
def profiles_group() -> None:
    """Election-law profiles: the shipped ones, and checking a profile document."""


@profiles_group.command(name="check")
@click.argument("path", type=_FILE)
def profiles_check_command(path: Path) -> None:
    """Check a profile document (JSON, or TOML by its .toml name) against the published
    schema and the law's own rules; name every problem with its JSON path (exit 1)."""
    try:
        profile = Profile.from_json(read_profile_file(path))
    except ProfileError as exc:
        for problem in exc.problems:
            click.echo(f"{path}: {problem}")
        click.echo(f"{path}: {len(exc.problems)} problem(s), not a valid profile")
        raise SystemExit(1) from None
    click.echo(
        f"{path}: profile {profile.name} is valid: {len(profile.lines)} lines, "
        f"{len(profile.ratios)} ratios, quorum {profile.quorum[0]}/{profile.quorum[1]}, "
        f"shares of {profile.share_base.basis} ({profile.share_base.expression})"
    )


@profiles_group.command(name="list")
@click.pass_obj
def profiles_list_command(context: CommandContext) -> None:
    """The profiles the enabled plugins offer, by name (a structure names one of them)."""
    registered = context.plugin_manager.hook.urna_elections_register_profiles()
    for profile in sorted((p for group in registered for p in group), key=lambda p: p.name):
        click.echo(f"{profile.name:<24} {profile.title}")


@click.command(name="official")
@click.argument("election")
@click.option("--reason", default="", help="Why, when precincts have sent no protocol.")
@click.pass_obj
def official_command(context: CommandContext, election: str, reason: str) -> None:
    """Declare ELECTION's results official (then frozen). With precincts missing this is
    refused unless --reason says why; the reason and the precincts are recorded."""

    async def run() -> dict[str, Any]:
        async with context.services() as services:
            return await mark_official(services.ledger, await load_election(election), reason)

    try:
        answer = asyncio.run(run())
    except StructureError as exc:
        raise click.ClickException(str(exc)) from None
    missing = f", {answer['missing']} missing: {answer['reason']}" if answer["missing"] else ""
    click.echo(
        f"results of {election} official at seq {answer['seq']}: "
        f"{answer['received']} of {answer['expected']} protocols{missing}"
    )


@click.command(name="results")
@click.argument("election")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts.")
@click.pass_obj
def results_command(context: CommandContext, election: str, as_json: bool) -> None:
    """ELECTION's results per contest: votes, shares on the law's base, precincts received
    of expected, and whether they are official."""

    async def run() -> dict[str, Any]:
        async with context.services() as services, services.ledger.transaction():
            return contest_results(await compute(await load_election(election)))

    try:
        document = asyncio.run(run())
    except StructureError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(format_text(document)))


@hookimpl
def urna_register_commands() -> list[click.Command]:
    return [
        import_command,
        import_nist_command,
        import_structure_command,
        profiles_group,
        official_command,
        results_command,
    ]


@hookimpl
def urna_configure(settings: Settings) -> None:
    """Refuse to start on a bad ``[plugin.elections]`` setting, naming it."""
    refresh_seconds(settings.plugin_config("elections"))


@hookimpl
async def urna_on_serving(services: Services) -> None:
    """Load every counting election's structure and decode its members' keys before the
    first protocol arrives (about 60 us a key, each key used about once), and build each
    election's results before the first reader asks."""
    await warm(services.ledger)
    await warm_results(services.ledger)


@hookimpl
def urna_register_demos() -> list[Demo]:
    from urna_elections.demo import run_demo

    return [Demo("azerbaijan-sized-election", run_demo)]


__all__ = ["election_info", "scope_of"]
