"""The core's pages over real HTTP: landing, sign-in and sign-out, languages, error pages.

A browser is told apart from an API client by ``Accept: text/html``; the browser
gets pages and redirects, the API client the JSON it always got.
"""

from __future__ import annotations

import re

import pytest
from urna.testing import TEST_PASSWORD

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def signin_form(client, next_path: str = "/") -> str:
    page = await client.get(f"/-/signin?next={next_path}", headers=BROWSER)
    assert page.status_code == 200
    match = TOKEN.search(page.text)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    ("language", "heading"),
    [("az", "Urna cihazı"), ("en", "Urna appliance"), ("ru", "Устройство Urna")],
)
async def test_landing_page_in_each_language(urna_server, language, heading):
    client = urna_server.client(cookies={"urna_lang": language})
    page = await client.get("/", headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["content-language"] == language
    assert f'<html lang="{language}">' in page.text
    assert f"<h1>{heading}</h1>" in page.text
    assert urna_server.services.fingerprint in page.text
    assert "<style" not in page.text and "style=" not in page.text  # the CSP allows neither


async def test_language_follows_accept_language_then_the_setting(urna_server):
    client = urna_server.client()
    russian = await client.get("/", headers={**BROWSER, "Accept-Language": "de, ru;q=0.8"})
    assert russian.headers["content-language"] == "ru"
    nothing = await client.get("/", headers={**BROWSER, "Accept-Language": "de, fr;q=0.5"})
    assert nothing.headers["content-language"] == urna_server.services.settings.language


async def test_the_switch_sets_the_language_and_returns_to_the_page(urna_server):
    client = urna_server.client()
    switched = await client.get("/-/language?to=ru&next=/-/records", headers=BROWSER)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/-/records"
    assert "urna_lang=ru" in switched.headers["set-cookie"]
    page = await client.get("/-/records", headers=BROWSER)
    assert page.headers["content-language"] == "ru"
    elsewhere = await client.get("/-/language?to=en&next=//evil.example/", headers=BROWSER)
    assert elsewhere.headers["location"] == "/"
    unknown = await client.get("/-/language?to=de&next=/")
    assert unknown.status_code == 404


async def test_sign_in_from_the_page_and_back_to_where_the_browser_was(urna_server):
    await urna_server.add_user("clerk", ["admin"])
    client = urna_server.client(headers={"Origin": urna_server.url})
    protected = await client.get("/-/roles.json", headers=BROWSER)
    assert protected.status_code == 303
    assert protected.headers["location"] == "/-/signin?next=/-/roles.json"
    token = await signin_form(client, "/-/roles.json")
    signed_in = await client.post(
        "/-/signin",
        data={
            "username": "clerk",
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": "/-/roles.json",
        },
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/-/roles.json"
    assert (await client.get("/-/roles.json")).status_code == 200
    landing = await client.get("/", headers=BROWSER)
    assert "clerk" in landing.text
    csrf = TOKEN.search(landing.text)
    assert csrf is not None  # the sign-out form carries the session's CSRF token
    signed_out = await client.post("/-/signout", data={"csrf_token": csrf.group(1)})
    assert signed_out.status_code == 303
    assert (await client.get("/-/me")).status_code == 401


async def test_sign_out_without_the_session_token_is_refused(urna_server):
    await urna_server.add_user("clerk", ["admin"])
    client = await urna_server.login("clerk")
    del client.headers["X-CSRF-Token"]
    refused = await client.post("/-/signout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await client.get("/-/me")).status_code == 200  # still signed in


async def test_sign_in_form_refuses_a_post_without_its_own_token(urna_server):
    await urna_server.add_user("clerk", ["admin"])
    client = urna_server.client(headers={"Origin": urna_server.url})
    await signin_form(client)
    forged = await client.post(
        "/-/signin",
        data={"username": "clerk", "password": TEST_PASSWORD, "csrf_token": "x" * 43},
    )
    assert forged.status_code == 403
    assert "urna_session" not in forged.headers.get("set-cookie", "")


async def test_wrong_password_shows_the_form_again_with_the_error_in_the_language(urna_server):
    await urna_server.add_user("clerk", ["admin"])
    client = urna_server.client(headers={"Origin": urna_server.url}, cookies={"urna_lang": "az"})
    token = await signin_form(client)
    wrong = await client.post(
        "/-/signin", data={"username": "clerk", "password": "wrong password", "csrf_token": token}
    )
    assert wrong.status_code == 401
    assert "İstifadəçi adı və ya parol səhvdir" in wrong.text
    assert 'href="#password"' in wrong.text  # the error summary links to the field
    assert 'aria-invalid="true"' in wrong.text
    assert "urna_session" not in wrong.headers.get("set-cookie", "")


async def test_sign_in_page_is_throttled_like_the_api(urna_server):
    await urna_server.add_user("clerk", ["admin"])
    client = urna_server.client(headers={"Origin": urna_server.url}, cookies={"urna_lang": "en"})
    for _ in range(5):
        token = await signin_form(client)
        await client.post(
            "/-/signin", data={"username": "clerk", "password": "wrong", "csrf_token": token}
        )
    token = await signin_form(client)
    throttled = await client.post(
        "/-/signin",
        data={"username": "clerk", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert throttled.status_code == 429
    assert "try again in" in throttled.text
    assert int(throttled.headers["retry-after"]) >= 1


async def test_next_never_leads_off_the_appliance(urna_server):
    await urna_server.add_user("clerk", ["admin"])
    client = urna_server.client(headers={"Origin": urna_server.url})
    token = await signin_form(client)
    answer = await client.post(
        "/-/signin",
        data={
            "username": "clerk",
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/"


@pytest.mark.parametrize(
    ("language", "heading"),
    [("az", "Səhifə tapılmadı"), ("en", "Page not found"), ("ru", "Страница не найдена")],
)
async def test_browsers_get_error_pages_and_api_clients_json(urna_server, language, heading):
    client = urna_server.client(cookies={"urna_lang": language})
    page = await client.get("/no/such/page", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert heading in page.text
    api = await client.get("/no/such/page")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/json"
    assert "error" in api.json()


async def test_a_signed_in_browser_without_the_permission_gets_a_403_page(urna_server):
    await urna_server.add_user("nobody", [])
    client = await urna_server.login("nobody")
    client.cookies.set("urna_lang", "en")
    page = await client.get("/-/roles.json", headers=BROWSER)
    assert page.status_code == 403
    assert "You may not do this" in page.text


async def test_records_page_lists_every_scope_with_its_downloads(urna_server):
    heads = await urna_server.services.ledger.scopes()
    page = await urna_server.client(cookies={"urna_lang": "en"}).get("/-/records", headers=BROWSER)
    assert page.status_code == 200
    for head in heads:
        assert f"/-/scopes/{head.scope}/bundle.tar" in page.text
    assert f"--key {urna_server.services.fingerprint}" in page.text


async def test_the_stylesheet_is_served_from_the_package(urna_server):
    answer = await urna_server.client().get("/-/static/urna.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert (await urna_server.client().get("/-/static/other.css")).status_code == 404


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "/\t/evil.example", "/\\evil.example", "https://evil.example", ""],
)
def test_safe_next_keeps_the_browser_on_the_appliance(target):
    from urna.shell.core_pages import safe_next

    assert safe_next(target) == "/"
    assert safe_next("/p/parliament/hall?x=1") == "/p/parliament/hall?x=1"


@pytest.mark.parametrize("urna_plugins", [["parliament", "elections", "evoting"]])
async def test_every_package_serves_its_named_assets_and_nothing_else(urna_server):
    client = urna_server.client()
    for path, kind in (
        ("/-/static/urna.css", "text/css"),
        ("/p/parliament/static/hall.js", "text/javascript"),
        ("/p/elections/static/portal.css", "text/css"),
        ("/p/evoting/static/booth.js", "text/javascript"),
    ):
        first, again = await client.get(path), await client.get(path)
        assert first.status_code == 200, path
        assert first.headers["content-type"] == f"{kind}; charset=utf-8"
        assert first.headers["cache-control"] == "max-age=300"
        assert again.content == first.content != b""
        base = path.rsplit("/", 1)[0]
        for other in ("nope.css", "..%2Fplugin.py", "__init__.py"):
            answer = await client.get(f"{base}/{other}")
            assert answer.status_code == 404, (base, other)
