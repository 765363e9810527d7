"""The plugin's pages and forms: the booth, the poll worker's console, the guardians'
progress, the results, the ballot tracker and how to verify.

The booth is not a signed-in user: it is a device, known by the HttpOnly,
SameSite=Strict cookie its enrolment set (``booths.py``). Its forms post the
session they were shown for; the server checks that the session is this
booth's and still active. A refusal answers the page again with the reason
and its status; nothing is stored.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json, raw, redirect
from urna.api import (
    N_,
    ApiError,
    BallotBoxError,
    Page,
    Route,
    render,
    services_of,
    static_route,
    translator_of,
)
from urna.crypto.ballot import SignedBallot

from urna_evoting import booths, polls
from urna_evoting.guardian_relay import ROUTES as GUARDIAN_ROUTES
from urna_evoting.models import DecryptionRefusal, Election, Guardian, TrackedBallot, Voter
from urna_evoting.polls import PollError
from urna_evoting.setup import publish_result

MANAGE = "evoting.manage"
POLL = "evoting.poll"
DISPLAY_COOKIE = "urna_booth_display"
DISPLAY_MODES = ("large", "contrast")
CODE = re.compile(r"[0-9a-f]{64}")
STATIC = {"evoting.css": "text/css", "booth.js": "text/javascript"}

REFUSALS: dict[str, str] = {
    "session.none": N_("No voting session is active at this booth. Please ask a poll worker."),
    "session.code": N_("This access code is wrong or has been used. Check it and try again."),
    "session.booth": N_("This voting session belongs to another booth."),
    "session.used": N_("This voting session has already been used to cast a ballot."),
    "session.unsealed": N_("Review your choices before you cast or challenge."),
    "ballot.overvote": N_("You chose more candidates than allowed. Remove a choice and try again."),
    "ballot.option": N_("A choice on this ballot is not valid. Please choose again."),
    "ballot.contest": N_("A choice on this ballot is not valid. Please choose again."),
    "polls.closed": N_("The polls are closed. No ballot can be cast now."),
    "election.closed": N_("The polls are closed. No ballot can be cast now."),
    "voter.unknown": N_("There is no such voter on the list."),
    "voter.checked-in": N_("This voter has already checked in."),
    "voter.not-checked-in": N_("This voter has not checked in yet."),
    "voter.activated": N_("This voter has already had a voting session."),
    "booth.unknown": N_("There is no such booth."),
    "booth.busy": N_("This booth is in use. Choose a free booth."),
    "polls.state": N_("The polls cannot change to that state now."),
    "ceremony.incomplete": N_("The guardians have not completed the key ceremony yet."),
    "voters.none": N_("The voter list is empty."),
    "election.none": N_("No election is set up on this appliance."),
}
DONE: dict[str, str] = {
    "opened": N_("The polls are open."),
    "closed": N_("The polls are closed and the encrypted tally is recorded."),
    "checked-in": N_("The voter is checked in. Activate a booth for them."),
    "activated": N_("The booth is ready for the voter."),
}


def _refusal(request: Request, exc: PollError) -> str:
    return translator_of(request).gettext(REFUSALS.get(exc.check, N_("This was refused.")))


def texts(value: dict[str, str], language: str) -> str:
    return value.get(language) or value["en"]


def ballot_layout(election: Election, manifest: Any, language: str) -> list[dict[str, Any]]:
    """The contests as the ballot shows them, in the page's language."""
    names = election.names["contests"]
    return [
        {
            "id": contest.contest_id,
            "limit": contest.limit,
            "title": texts(names[contest.contest_id]["title"], language),
            "options": [
                {"id": o, "label": texts(names[contest.contest_id]["options"][o], language)}
                for o in contest.options
            ],
        }
        for contest in manifest.contests
    ]


def _language(request: Request) -> str:
    return translator_of(request).language


def _display(request: Request) -> list[str]:
    chosen = (request.cookies.get(DISPLAY_COOKIE) or "").split(".")
    return [mode for mode in DISPLAY_MODES if mode in chosen]


# -- the booth ------------------------------------------------------------------------------


async def booth_page(request: Request, error: PollError | None = None) -> HTTPResponse:
    """The voter's screen: waiting, the ballot, the review, the receipt."""
    context: dict[str, Any] = {"display": _display(request), "error": None, "stage": "unenrolled"}
    status = 200
    if error is not None:
        context["error"] = _refusal(request, error)
        status = error.status
    booth = await booths.booth_of(request)
    context["booth"] = booth
    if booth is None:
        return render(request, "evoting/booth.html", context, status=status)
    try:
        election = await polls.current_election()
    except PollError:
        context["stage"] = "closed"
        return render(request, "evoting/booth.html", context, status=status)
    services = services_of(request)
    language = _language(request)
    context["title"] = texts(election.names["title"], language)
    session = await polls.session_of(election, booth)
    context["session"] = session
    if session is not None and session.state == "cast":
        context["stage"] = "receipt"
        context["receipt"] = session.receipt
        return render(request, "evoting/booth.html", context, status=status)
    state = await polls.status(services, election)
    if (challenged := await _challenged(request, election, session)) is not None:
        context["stage"] = "challenged"
        crypto = await polls.box_of(services).election(election.scope)
        context["contests"] = ballot_layout(election, crypto.manifest, language)
        context["challenged"] = challenged
    elif state["status"] != "open":
        context["stage"] = "closed"
    elif session is None:
        context["stage"] = "waiting"
    else:
        crypto = await polls.box_of(services).election(election.scope)
        context["contests"] = ballot_layout(election, crypto.manifest, language)
        if session.pending is not None:
            context["stage"] = "review"
            signed = SignedBallot.from_json(session.pending["signed"])
            context["code"] = signed.ballot.confirmation_code().hex()
            context["chosen"] = {
                contest["contest_id"]: [
                    s["selection_id"] for s in contest["selections"] if s["vote"] == 1
                ]
                for contest in session.pending["reveal"]
            }
        else:
            context["stage"] = "ballot"
            context["chosen"] = {}
    return render(request, "evoting/booth.html", context, status=status)


async def _challenged(request: Request, election: Election, session: Any) -> TrackedBallot | None:
    """The ballot this booth's voter just challenged (``?challenged=CODE``), to show it
    opened until the voter starts again. Challenged ballots are public (the tracker)."""
    code = str(request.args.get("challenged", ""))
    if session is None or session.state != "active" or not CODE.fullmatch(code):
        return None
    return await TrackedBallot.get_or_none(election=election.id, code=code, position__isnull=True)


async def _booth_post(request: Request) -> tuple[str, Election, int]:
    booth = await booths.booth_of(request)
    if booth is None:
        raise ApiError(403, "this browser is not an enrolled booth")
    election = await polls.current_election()
    raw_id = _form(request, "session")
    if not raw_id.isdigit() or len(raw_id) > 12:
        raise PollError("session.none", "no booth session was activated for this ballot", 409)
    return booth, election, int(raw_id)


def _form(request: Request, name: str) -> str:
    """A form field's value, empty when missing (a form body, or none at all)."""
    form: Any = request.form
    return str(form.get(name, "")) if form else ""


def _chosen(request: Request, contests: list[str]) -> dict[str, list[str]]:
    form: Any = request.form
    if not form:
        return {c: [] for c in contests}
    return {c: [str(v) for v in form.getlist(f"contest-{c}") or []] for c in contests}


async def booth_review(request: Request) -> HTTPResponse:
    """Seal the voter's choices (encrypt, prove, sign) and show them with the code."""
    try:
        booth, election, session_id = await _booth_post(request)
        crypto = await polls.box_of(services_of(request)).election(election.scope)
        choices = _chosen(request, [c.contest_id for c in crypto.manifest.contests])
        await polls.seal(services_of(request), election, booth, session_id, choices)
    except PollError as exc:
        return await booth_page(request, exc)
    except BallotBoxError as exc:
        return await booth_page(request, PollError(exc.check, str(exc), exc.status))
    return redirect("/p/evoting/booth", status=303)


async def booth_change(request: Request) -> HTTPResponse:
    """Back from the review to the ballot: the sealed ballot is thrown away unused."""
    try:
        booth, election, session_id = await _booth_post(request)
        await polls.unseal(services_of(request), election, booth, session_id)
    except PollError as exc:
        return await booth_page(request, exc)
    return redirect("/p/evoting/booth", status=303)


async def booth_cast(request: Request) -> HTTPResponse:
    """Cast the sealed ballot; print the receipt; show it."""
    try:
        booth, election, session_id = await _booth_post(request)
        receipt = await polls.cast(services_of(request), election, booth, session_id)
    except PollError as exc:
        return await booth_page(request, exc)
    from urna_evoting.documents import print_receipt

    services = services_of(request)
    job = await print_receipt(services, election, receipt, _language(request))
    await polls.note_printing(services, session_id, job, services.printer.configured)
    return redirect("/p/evoting/booth", status=303)


async def booth_challenge(request: Request) -> HTTPResponse:
    """Challenge the sealed ballot: show what it held; the voter then starts again."""
    try:
        booth, election, session_id = await _booth_post(request)
        answer = await polls.challenge(services_of(request), election, booth, session_id)
    except PollError as exc:
        return await booth_page(request, exc)
    return redirect(f"/p/evoting/booth?challenged={answer['confirmation_code']}", status=303)


async def booth_done(request: Request) -> HTTPResponse:
    """The voter has the receipt: the booth waits for the next voter."""
    try:
        booth, election, session_id = await _booth_post(request)
    except PollError as exc:
        return await booth_page(request, exc)
    await polls.finish(services_of(request), election, booth, session_id)
    return redirect("/p/evoting/booth", status=303)


async def booth_display(request: Request) -> HTTPResponse:
    """Turn large text or high contrast on or off (a cookie of the booth's browser)."""
    mode = _form(request, "mode")
    if mode not in DISPLAY_MODES:
        raise ApiError(422, f"mode must be one of {', '.join(DISPLAY_MODES)}")
    modes = set(_display(request)) ^ {mode}
    response = redirect("/p/evoting/booth", status=303)
    response.add_cookie(
        DISPLAY_COOKIE,
        ".".join(m for m in DISPLAY_MODES if m in modes) or "default",
        httponly=True,
        samesite="Strict",
        secure=services_of(request).settings.origin.startswith("https://"),
        path="/p/evoting/booth",
        max_age=86400,
    )
    return response


async def booth_state(request: Request) -> HTTPResponse:
    """What the waiting booth page polls: the session it should show, if any."""
    booth = await booths.booth_of(request)
    if booth is None:
        raise ApiError(403, "this browser is not an enrolled booth")
    try:
        election = await polls.current_election()
    except PollError as exc:
        return json({"session": None, "check": exc.check})
    session = await polls.session_of(election, booth)
    return json({"session": session.id if session is not None else None})


async def booth_enrol(request: Request, name: str, secret: str) -> HTTPResponse:
    """Bind this browser to booth ``name`` with the one-time secret of its enrolment URL."""
    client = request.remote_addr or request.ip or "unknown"
    try:
        token = await booths.bind(services_of(request), name, secret[:100], client)
    except booths.EnrolmentError as exc:
        raise ApiError(403, str(exc)) from None
    response = redirect("/p/evoting/booth", status=303)
    response.add_cookie(
        booths.COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=services_of(request).settings.origin.startswith("https://"),
        path="/p/evoting",
        max_age=60 * 60 * 24 * 365,
    )
    return response


# -- the poll worker ------------------------------------------------------------------------


async def polls_page(
    request: Request, error: PollError | None = None, access_code: str | None = None
) -> HTTPResponse:
    """The poll worker's console: polls, check-in, booth activation, counts (never a choice)."""
    context: dict[str, Any] = {
        "error": None,
        "done": None,
        "election": None,
        "title": None,
        "access_code": access_code,
    }
    status = 200
    if error is not None:
        context["error"] = _refusal(request, error)
        status = error.status
    done = request.args.get("done")
    if done in DONE:
        context["done"] = translator_of(request).gettext(DONE[done])
    context["printing_failed"] = request.args.get("printing") == "failed"
    try:
        election = await polls.current_election()
    except PollError as exc:
        context["error"] = _refusal(request, exc)
        return render(request, "evoting/polls.html", context, status=200)
    services = services_of(request)
    state = await polls.status(services, election)
    query = str(request.args.get("q", ""))[:64].strip()
    found: list[Voter] = []
    if query:
        found = await Voter.filter(election=election.id, voter_id=query).limit(
            1
        ) or await Voter.filter(election=election.id, name__icontains=query).order_by("name").limit(
            20
        )
    context.update(
        {
            "election": election,
            "title": texts(election.names["title"], _language(request)),
            "state": state["status"],
            "counts": await polls.counts(services, election),
            "query": query,
            "found": found,
            "waiting": await Voter.filter(
                election=election.id, checked_in_at__not_isnull=True, activated=False
            ).order_by("checked_in_at"),
            "booths": await booths.booth_states(election.id),
        }
    )
    return render(request, "evoting/polls.html", context, status=status)


async def _poll_action(request: Request, action: str) -> HTTPResponse:
    services = services_of(request)
    try:
        election = await polls.current_election()
        if action == "open":
            await polls.open_polls(services, election)
            done = "opened"
        elif action == "close":
            await polls.close_polls(services, election)
            done = "closed"
        elif action == "code":
            code = await polls.activate(services, election, _form(request, "voter")[:64], None)
            assert code is not None
            from urna_evoting.documents import print_access_code

            await print_access_code(services, election, code, _language(request))
            return await polls_page(request, access_code=code)
        elif action == "check-in":
            await polls.check_in(services, election, _form(request, "voter")[:64])
            done = "checked-in"
        else:
            await polls.activate(
                services,
                election,
                _form(request, "voter")[:64],
                _form(request, "booth")[:64],
            )
            done = "activated"
    except PollError as exc:
        return await polls_page(request, exc)
    if action in ("open", "close"):
        from urna_evoting.documents import print_poll_report

        job = await print_poll_report(services, election, action, _language(request))
        if services.printer.configured and job is None:
            return redirect(f"/p/evoting/polls?done={done}&printing=failed", status=303)
    return redirect(f"/p/evoting/polls?done={done}", status=303)


async def polls_open(request: Request) -> HTTPResponse:
    """Open the polls (credentials registered, voting opened) and print the opening report."""
    return await _poll_action(request, "open")


async def polls_close(request: Request) -> HTTPResponse:
    """Close the polls (the encrypted tally) and print the closing report."""
    return await _poll_action(request, "close")


async def polls_check_in(request: Request) -> HTTPResponse:
    """Check a voter in from the voter list."""
    return await _poll_action(request, "check-in")


async def polls_activate(request: Request) -> HTTPResponse:
    """Activate one booth session for a checked-in voter."""
    return await _poll_action(request, "activate")


async def polls_access_code(request: Request) -> HTTPResponse:
    """A checked-in voter's session behind a one-time access code, printed and shown once:
    the voter types it at any free booth."""
    return await _poll_action(request, "code")


async def booth_code(request: Request) -> HTTPResponse:
    """Start the session behind the access code the voter typed at this booth."""
    booth = await booths.booth_of(request)
    if booth is None:
        raise ApiError(403, "this browser is not an enrolled booth")
    client = request.remote_addr or request.ip or "unknown"
    try:
        election = await polls.current_election()
        await polls.take_access_code(
            services_of(request), election, booth, _form(request, "code")[:64], client
        )
    except PollError as exc:
        return await booth_page(request, exc)
    return redirect("/p/evoting/booth", status=303)


async def poll_report(request: Request, kind: str) -> HTTPResponse:
    """The opening or closing report as a PDF (what the printer printed)."""
    from urna_evoting.documents import poll_report_pdf

    if kind not in ("open", "close"):
        raise ApiError(404, "no such report")
    election = await polls.current_election()
    pdf = await poll_report_pdf(services_of(request), election, kind, _language(request))
    return raw(pdf, content_type="application/pdf")


# -- public pages ---------------------------------------------------------------------------


async def guardians_page(request: Request) -> HTTPResponse:
    """The key ceremony's progress and what each guardian still has to do."""
    try:
        election = await polls.current_election()
    except PollError as exc:
        return render(request, "evoting/guardians.html", {"error": _refusal(request, exc)})
    state = await polls.status(services_of(request), election)
    guardians = await Guardian.filter(election=election.id).order_by("guardian_id")
    shares = (
        await polls.box_of(services_of(request)).key_shares(election.scope)
        if state["election"]
        else []
    )
    sent = {s["sender"] for s in shares}
    n = len(guardians)
    rows = []
    for g in guardians:
        gid = g.guardian_id
        todo = []
        if gid not in state["guardians"]:
            todo.append(N_("Send the key material"))
        elif state["election"] is not None and n > 1 and gid not in sent:
            todo.append(N_("Send the shares to the other guardians"))
        elif gid not in state["confirmed"] and state["status"] in ("created", "keyed"):
            todo.append(N_("Check the shares received and confirm the key"))
        if any(sender == gid for sender, _ in state["ceremony"]["unresolved"]):
            todo.append(N_("Reveal the share a complaint disputes"))
        if state["status"] == "tallied" and gid not in state["shares"]:
            todo.append(N_("Decrypt the tally"))
        rows.append(
            {
                "id": gid,
                "name": g.name,
                "key": gid in state["guardians"],
                "shares": gid in sent or n == 1,
                "confirmed": gid in state["confirmed"],
                "decrypted": gid in state["shares"],
                "todo": todo,
            }
        )
    return render(
        request,
        "evoting/guardians.html",
        {
            "error": None,
            "title": texts(election.names["title"], _language(request)),
            "state": state,
            "rows": rows,
        },
    )


async def results_page(request: Request) -> HTTPResponse:
    """The result with who decrypted it, who did not, and where its proofs are."""
    try:
        election = await polls.current_election()
    except PollError as exc:
        return render(request, "evoting/results.html", {"error": _refusal(request, exc)})
    services = services_of(request)
    state = await polls.status(services, election)
    language = _language(request)
    guardians = {g.guardian_id: g.name for g in await Guardian.filter(election=election.id)}
    contests = []
    if state["result"] is not None:
        crypto = await polls.box_of(services).election(election.scope)
        counts = {
            (c["contest_id"], c["selection_id"]): c["count"] for c in state["result"]["counts"]
        }
        for contest in ballot_layout(election, crypto.manifest, language):
            for option in contest["options"]:
                option["count"] = counts[contest["id"], option["id"]]
            contests.append(contest)
    refusals = await DecryptionRefusal.filter(election=election.id).order_by("id")
    decrypted = sorted(state["shares"])
    return render(
        request,
        "evoting/results.html",
        {
            "error": None,
            "title": texts(election.names["title"], language),
            "scope": election.scope,
            "state": state,
            "contests": contests,
            "decrypted": [(g, guardians.get(g, "")) for g in decrypted],
            "missing": [(g, n) for g, n in sorted(guardians.items()) if g not in decrypted],
            "refusals": [
                (r.guardian_id, guardians.get(r.guardian_id, ""), r.check) for r in refusals
            ],
        },
    )


async def tracker_page(request: Request) -> HTTPResponse:
    """Find a ballot by its confirmation code: counted at which position, or challenged."""
    code = "".join(str(request.args.get("code", ""))[:200].split()).lower()  # as printed
    context: dict[str, Any] = {
        "code": code,
        "found": None,
        "invalid": False,
        "error": None,
        "searched": False,
    }
    status = 200
    if code:
        try:
            election = await polls.current_election()
        except PollError as exc:
            return render(
                request, "evoting/tracker.html", {**context, "error": _refusal(request, exc)}
            )
        if not CODE.fullmatch(code):
            context["invalid"] = True
            status = 422
        else:
            tracked = await TrackedBallot.get_or_none(election=election.id, code=code)
            context["searched"] = True
            if tracked is not None:
                crypto = await polls.box_of(services_of(request)).election(election.scope)
                context["found"] = tracked
                context["contests"] = ballot_layout(election, crypto.manifest, _language(request))
    return render(request, "evoting/tracker.html", context, status=status)


async def verify_page(request: Request) -> HTTPResponse:
    """How an observer checks the whole election with ``urna verify``."""
    scope = None
    with contextlib.suppress(PollError):
        scope = (await polls.current_election()).scope
    return render(request, "evoting/verify.html", {"scope": scope})


async def publish(request: Request) -> HTTPResponse:
    """Combine the guardians' partial decryptions (any quorum) and publish the result."""
    try:
        election = await polls.current_election()
        result = await services_of(request).ledger.run(
            lambda: publish_result(services_of(request), election)
        )
    except PollError as exc:
        return json(exc.to_json(), status=exc.status)
    return json(result, status=201)


PAGES: tuple[Page, ...] = (
    Page("/booth", booth_page, N_("Voting booth"), nav=None),
    Page("/polls", polls_page, N_("Poll worker's console"), permission=POLL, nav="work", order=10),
    Page("/guardians", guardians_page, N_("Guardians"), nav="public", order=30),
    Page("/results", results_page, N_("E-voting results"), nav="public", order=31),
    Page("/tracker", tracker_page, N_("Ballot tracker"), nav="public", order=32),
    Page("/verify", verify_page, N_("How to verify the e-voting record"), nav="public", order=33),
)

ROUTES: tuple[Route, ...] = (
    *GUARDIAN_ROUTES,
    Route("/booth/review", booth_review, ("POST",), summary="Seal the voter's choices"),
    Route("/booth/change", booth_change, ("POST",), summary="Back to the ballot"),
    Route("/booth/cast", booth_cast, ("POST",), summary="Cast the sealed ballot"),
    Route("/booth/challenge", booth_challenge, ("POST",), summary="Challenge the sealed ballot"),
    Route("/booth/done", booth_done, ("POST",), summary="The voter has the receipt"),
    Route("/booth/display", booth_display, ("POST",), summary="Large text or high contrast"),
    Route("/booth/state.json", booth_state, summary="The booth's session"),
    Route("/booth/enrol/<name>/<secret>", booth_enrol, summary="Bind a booth's browser"),
    Route("/polls/open", polls_open, ("POST",), POLL, summary="Open the polls"),
    Route("/polls/close", polls_close, ("POST",), POLL, summary="Close the polls"),
    Route("/polls/check-in", polls_check_in, ("POST",), POLL, summary="Check a voter in"),
    Route("/polls/activate", polls_activate, ("POST",), POLL, summary="Activate a booth"),
    Route("/polls/access-code", polls_access_code, ("POST",), POLL, summary="An access code"),
    Route("/booth/code", booth_code, ("POST",), summary="Start a session by its access code"),
    Route("/polls/report/<kind>", poll_report, permission=POLL, summary="A poll report"),
    Route("/api/result", publish, ("POST",), MANAGE, summary="Publish the result"),
    static_route("urna_evoting", STATIC),
)
