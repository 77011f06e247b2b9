"""Headers on every page, CSRF on every form, and the health endpoints."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/otp-login/", "/ddo/register/", "/no-such-page/"]
STATE_PAGES = ["/state/directory/departments/", "/state/directory/offices/new/",
               "/state/directory/treasuries/import/"]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secure_html(response, url):
    assert response["Content-Type"].startswith("text/html"), url
    directives = csp_directives(response)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, url
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
    assert "*" not in script_src, url
    assert directives["object-src"] != ["*"], url
    assert directives["frame-ancestors"] == ["'none'"], url  # only the scan view may be framed
    assert directives["base-uri"] == ["'none'"], url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert response["Cache-Control"] == "no-store", url
    assert response["X-Frame-Options"] in {"DENY", "SAMEORIGIN"}, url
    page = response.content.decode()
    # script-src 'self' blocks inline code, so the page must not rely on any.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
    assert not re.search(r"\son[a-z]+=", page), url


def test_public_html_pages_carry_the_security_headers(client):
    for url in PUBLIC_PAGES:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        assert_secure_html(response, url)


def test_signed_in_and_forbidden_pages_carry_the_security_headers(users, login):
    client = login(users["state"])
    for url in STATE_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_html(response, url)
    forbidden = login(users["ddo"]).get(STATE_PAGES[0])
    assert forbidden.status_code == 403
    assert_secure_html(forbidden, "403")


def test_error_report_page_after_post_is_not_cached(users, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(users["state"])
    response = client.post("/state/directory/departments/import/",
                           {"file": SimpleUploadedFile("x.csv", b"code,name_en\nD1,x\n", "text/csv")})
    assert response.status_code == 400
    assert_secure_html(response, "import report")


def test_redirects_are_not_cached_either(client):
    response = client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response


def test_session_and_csrf_cookies_are_httponly_and_lax(users):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/accounts/login/")
    csrf = response.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    token = csrf.value
    response = client.post("/accounts/login/", {"username": users["state"].username, "password": PASSWORD,
                                                "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.parametrize("url, data", [
    ("/accounts/login/", {"username": "someone", "password": "whatever-123"}),
    ("/ddo/register/", {"officer_name_en": "Ravi Kumar", "mobile": "9876543210"}),
    ("/language/", {"language": "en", "next": "/"}),
])
def test_post_without_csrf_token_is_refused(url, data):
    client = Client(enforce_csrf_checks=True)
    client.get(url if url != "/language/" else "/")  # the visitor has a CSRF cookie, but sends no token
    response = client.post(url, data)
    assert response.status_code == 403
    assert "portal_language" not in response.cookies


@pytest.mark.parametrize("url", ["/accounts/login/", "/ddo/register/"])
def test_post_with_the_token_from_the_form_is_accepted(url):
    client = Client(enforce_csrf_checks=True)
    page = client.get(url).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match
    response = client.post(url, {"csrfmiddlewaretoken": match.group(1), "username": "x", "password": "y"})
    assert response.status_code != 403


def test_post_with_a_wrong_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"csrfmiddlewaretoken": "x" * 64, "username": "a", "password": "b"})
    assert response.status_code == 403


def test_healthz_says_ok():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
