"""Error pages for browsers: what went wrong in the page's language, never a traceback.

API clients keep getting ``{"error": message}``; a browser gets a page with a
heading and an explanation by status. The API's English detail is left out:
a page in Azerbaijani or Russian must not show English text.
"""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from urna.shell.i18n import N_
from urna.shell.web import render

EXPLANATIONS: dict[int, tuple[str, str]] = {
    400: (
        N_("The request could not be read"),
        N_("The page sent something this appliance cannot read. Go back and try again."),
    ),
    403: (
        N_("You may not do this"),
        N_(
            "Your account does not have the permission this needs, or the form was not sent "
            "from this appliance's own page. Reload the page and try again, or ask the "
            "administrator for the role you need."
        ),
    ),
    404: (
        N_("Page not found"),
        N_(
            "There is no page at this address. Check the address, "
            "or start again from the home page."
        ),
    ),
    405: (
        N_("This address does not take that request"),
        N_("Use the page's own links and buttons."),
    ),
    409: (
        N_("This was already done"),
        N_("The appliance already has this, so nothing was changed."),
    ),
    413: (N_("Too much was sent"), N_("The request is larger than this appliance accepts.")),
    415: (
        N_("The request could not be read"),
        N_("The page sent something this appliance cannot read. Go back and try again."),
    ),
    422: (
        N_("Something in the request is not right"),
        N_("Nothing was changed. Go back, correct the form and send it again."),
    ),
    429: (N_("Too many attempts"), N_("Wait a little and try again.")),
    503: (N_("The appliance is busy"), N_("Nothing was changed. Try again in a moment.")),
}
GENERIC = (
    N_("Something went wrong"),
    N_("Nothing was changed. The operator can see what happened in the appliance's log."),
)


def error_page(request: Request, status: int, headers: dict[str, str] | None) -> HTTPResponse:
    heading, explanation = EXPLANATIONS.get(status, GENERIC)
    return render(
        request,
        "urna/error.html",
        {"status": status, "heading": heading, "explanation": explanation},
        status=status,
        headers=headers,
    )
