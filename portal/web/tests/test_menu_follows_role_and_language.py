"""The menu links are kept once rendered (portal_tags.role_menu): each user must still get
the menu of their own role, in the page's language, with their own name on the log-out."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu(response) -> str:
    nav = re.search(r"<nav aria-label=[^>]*>(.*?)</nav>", response.content.decode(), re.S).group(1)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", nav)


def test_each_role_gets_its_own_menu_and_its_own_name_whoever_came_first(client, users, login):
    seen = {}
    for role in ("ddo", "state", "ddo_agra", "beneficiary", "district", "ddo"):
        user = users[role]
        nav = menu(login(user).get(reverse("web:dashboard"), follow=True))
        assert f"({user.username})" in nav
        seen.setdefault(user.role, set()).add(nav.replace(user.username, "USERNAME"))
    assert all(len(navs) == 1 for navs in seen.values())  # two DDOs: the same links
    assert reverse("enrolment:changes") in next(iter(seen["ddo"]))
    assert reverse("enrolment:changes") not in next(iter(seen["state"]))
    assert reverse("directory:index") in next(iter(seen["state"]))
    assert reverse("enrolment:my_family") in next(iter(seen["beneficiary"]))
    assert reverse("accounts:contact_change") not in next(iter(seen["beneficiary"]))  # not an officer


def test_menu_is_in_the_language_of_the_page(client, users, login):
    login(users["ddo"])
    hindi = menu(client.get(reverse("enrolment:queue")))
    client.cookies["portal_language"] = "en"
    english = menu(client.get(reverse("enrolment:queue")))
    assert "Changes and transfers" in english and "Changes and transfers" not in hindi
    assert hindi.count("<li>") == english.count("<li>")
