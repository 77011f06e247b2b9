"""Hindi first: the browser's Accept-Language is ignored; the switch on every page chooses English."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/otp-login/", "/ddo/register/", "/no-such-page/"]


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)">', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


def test_pages_are_hindi_by_default_even_when_the_browser_asks_for_english(client):
    for url in PUBLIC_PAGES:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-IN,en;q=0.9")
        assert html_lang(response) == "hi", url
        assert response["Content-Language"] == "hi", url
        assert "Cookie" in response["Vary"], url


def test_choosing_english_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(reverse("web:set_language"), {"language": "en", "next": "/ddo/register/?step=1"})
    assert response.status_code == 302
    assert response["Location"] == "/ddo/register/?step=1"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE
    assert cookie["samesite"] == "Lax"
    for url in PUBLIC_PAGES:
        page = client.get(url)
        assert html_lang(page) == "en", url
        assert page["Content-Language"] == "en", url


def test_choosing_hindi_again_switches_back(client):
    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    assert html_lang(client.get("/")) == "en"
    response = client.post(reverse("web:set_language"), {"language": "hi", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    assert html_lang(client.get("/")) == "hi"


@pytest.mark.parametrize("target", [
    "https://evil.example.com/phish", "//evil.example.com/", "http://evil.example.com",
    "javascript:alert(1)", "https:///evil.example.com",
])
def test_next_outside_this_site_goes_home(client, target):
    response = client.post(reverse("web:set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_same_host_absolute_next_is_allowed(client):
    response = client.post(reverse("web:set_language"), {"language": "en", "next": "http://testserver/accounts/login/"})
    assert response["Location"] == "http://testserver/accounts/login/"


def test_missing_next_goes_home(client):
    response = client.post(reverse("web:set_language"), {"language": "en"})
    assert response["Location"] == "/"


def test_unknown_language_sets_no_cookie_and_page_stays_hindi(client):
    response = client.post(reverse("web:set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # a hand-made cookie is ignored too
    assert html_lang(client.get("/")) == "hi"


def test_language_switch_only_accepts_post(client):
    assert client.get(reverse("web:set_language"), {"language": "en"}).status_code == 405


def test_signed_in_officer_choice_is_remembered_on_the_account(users, login):
    client = login(users["ddo"])
    response = client.post(reverse("web:set_language"), {"language": "en", "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    users["ddo"].refresh_from_db()
    assert users["ddo"].language == "en"


def switch_forms(page: str) -> list[str]:
    return re.findall(r'<form class="lang" method="post" action="/language/">.*?</form>', page, re.S)


def test_every_page_has_the_language_switch_pointing_back_to_itself(client, users, login):
    for url in PUBLIC_PAGES + ["/ddo/register/?step=2"]:
        page = client.get(url).content.decode()
        forms = switch_forms(page)
        assert len(forms) == 1, url
        assert 'name="csrfmiddlewaretoken"' in forms[0], url
        assert f'name="next" value="{url.replace("&", "&amp;")}"' in forms[0], url
        assert 'name="language" value="hi"' in forms[0] and 'name="language" value="en"' in forms[0], url
    state = login(users["state"])
    for url in ["/state/directory/departments/", "/state/directory/offices/new/",
                "/state/directory/departments/import/"]:
        page = state.get(url).content.decode()
        assert len(switch_forms(page)) == 1, url
    forbidden = login(users["beneficiary"]).get("/state/directory/departments/")
    assert forbidden.status_code == 403
    assert len(switch_forms(forbidden.content.decode())) == 1


def test_switch_marks_the_current_language_as_pressed(client):
    page = client.get("/").content.decode()
    assert re.search(r'value="hi" lang="hi" aria-pressed="true"', page)
    assert re.search(r'value="en" lang="en" aria-pressed="false"', page)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    assert re.search(r'value="en" lang="en" aria-pressed="true"', page)


@pytest.mark.django_db
def test_a_field_error_is_shown_in_hindi_and_in_english(client):
    """Hindi first on a Hindi page, with the English text beside it (and the other way round)."""
    from django.urls import reverse

    response = client.post(reverse("ddo:register"), {"mobile": "12345", "officer_name_hi": "Ravi"})
    page = response.content.decode()
    error = page.split('id="id_mobile_error">', 1)[1].split("</p>", 1)[0]
    assert "10 अंकों" in error or "मोबाइल" in error  # Hindi first
    assert 'lang="en"' in error and "Enter a 10-digit Indian mobile number" in error

    client.cookies["portal_language"] = "en"
    page = client.post(reverse("ddo:register"), {"mobile": "12345"}).content.decode()
    error = page.split('id="id_mobile_error">', 1)[1].split("</p>", 1)[0]
    assert error.index("Enter a 10-digit") < error.index('lang="hi"')
