"""A user ID is looked up as the portal stores it (prefix and digits, in capitals), on the
username's unique index, however it was typed: `username__iexact` sent UPPER(username) = ...,
which no index serves, so every log-in, password reset and OTP log-in read all 17.8 lakh
accounts at state scale. The state cell's user list finds an ID or mobile exactly and a name
through a trigram index (PostgreSQL), and counts at most 1,000 matches."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from conftest import PASSWORD
from portal.accounts import selectors, services
from portal.accounts.models import Role, User
from tests.sql_plans import plans, sql_of

pytestmark = pytest.mark.django_db

# What `username__iexact` sends: UPPER(username) on PostgreSQL, username LIKE ... ESCAPE on SQLite.
UPPER_USERNAME = re.compile(r'UPPER\("accounts_user"\."username"|"accounts_user"\."username" LIKE ', re.I)


def test_a_password_log_in_finds_a_user_id_typed_in_small_letters_with_spaces(client, make_user):
    officer = make_user(Role.DDO)
    typed = f"  {officer.username.lower()} "
    sent = sql_of(lambda: client.post(reverse("accounts:login"), {"username": typed, "password": PASSWORD}))
    assert client.session.get("_auth_user_id") == str(officer.pk)
    assert not any(UPPER_USERNAME.search(s) for s in sent), sent


def test_password_reset_and_otp_log_in_find_the_user_in_any_case(make_user, phone):
    officer, beneficiary = make_user(Role.STATE), make_user(Role.BENEFICIARY)
    sent = sql_of(lambda: services.start_password_reset(username=f" {officer.username.lower()} ", ip="10.0.0.1"))
    assert phone.last(officer.mobile) and not any(UPPER_USERNAME.search(s) for s in sent)
    sent = sql_of(lambda: services.start_otp_login(username=beneficiary.username.lower(), ip="10.0.0.2"))
    assert phone.last(beneficiary.mobile) and not any(UPPER_USERNAME.search(s) for s in sent)


def test_the_natural_key_and_the_state_cells_user_page_take_any_case(make_user):
    officer = make_user(Role.DISTRICT)
    assert User.objects.get_by_natural_key(officer.username.lower()) == officer
    assert selectors.user_for_staff_or_404(f" {officer.username.lower()}") == officer


def test_the_user_list_finds_an_id_a_mobile_or_a_part_of_either_name(make_user):
    ravi = make_user(Role.DDO, mobile="9800000001")
    User.objects.filter(pk=ravi.pk).update(name_en="Ravi Kumar", name_hi="रवि कुमार")
    other = make_user(Role.TO, mobile="9800000002")

    def found(q, role=""):
        return list(selectors.users_for_staff(role=role, query=q))

    assert found(f" {ravi.username.lower()} ") == [ravi]
    assert found(ravi.username.translate(str.maketrans("0123456789", "०१२३४५६७८९"))) == [ravi]
    assert found("9800000001") == [ravi]
    assert found("kumar") == [ravi] and found("कुमार") == [ravi]
    assert found("kumar", role=Role.TO) == []
    assert other in found("Officer")  # the fixture's English name


def test_the_user_list_counts_at_most_the_cap_and_says_so(login, make_user, monkeypatch):
    state = make_user(Role.STATE)
    for _ in range(3):
        make_user(Role.DDO)
    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 2)
    page = selectors.user_page(role=Role.DDO, page_number=1, per_page=1)
    assert page.capped and page.paginator.count == 2 and page.paginator.num_pages == 2
    assert not selectors.user_page(role=Role.STATE, page_number=1).capped
    client = login(state)
    client.cookies["portal_language"] = "en"
    response = client.get(reverse("accounts:user_list"), {"role": Role.DDO})
    assert "More than 2 accounts match" in response.content.decode()
    sent = sql_of(lambda: client.get(reverse("accounts:user_list")))
    assert not any(re.search(r'SELECT COUNT\(\*\) AS "__count" FROM "accounts_user"\s*$', s) for s in sent), sent


def test_the_user_lists_pages_keep_the_search(login, make_user, monkeypatch):
    state = make_user(Role.STATE)
    for _ in range(3):
        make_user(Role.DDO)
    client = login(state)
    monkeypatch.setattr(selectors, "user_page", lambda **kw: _page_of_one(kw))
    body = client.get(reverse("accounts:user_list"), {"role": Role.DDO, "q": "Officer"}).content.decode()
    assert "role=ddo&amp;q=Officer&amp;page=2" in body


def _page_of_one(kw):
    from django.core.paginator import Paginator
    page = Paginator(selectors.users_for_staff(role=kw["role"], query=kw["query"]), 1).get_page(kw["page_number"])
    page.capped = False
    return page


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the plans are PostgreSQL's")
def test_log_in_and_the_user_search_read_indexes_on_postgresql(make_user):
    officer = make_user(Role.DDO)
    User.objects.filter(pk=officer.pk).update(name_en="Ravi Kumar", name_hi="रवि कुमार")
    sent = plans(lambda: services.authenticate_officer(username=officer.username.lower(), password=PASSWORD,
                                                       ip="10.0.0.3"))
    assert any("Index Cond: ((username)::text = " in plan for plan in sent), sent
    assert not any("Seq Scan on accounts_user" in plan for plan in sent), sent
    for q, index in (("kumar", "accounts_user_name_en_trgm"), ("कुमार", "accounts_user_name_hi_trgm")):
        count, rows = plans(lambda: list(selectors.user_page(query=q, page_number=1)))
        assert f"Bitmap Index Scan on {index}" in rows or "accounts_user_username" in rows, rows
        assert f"Bitmap Index Scan on {index}" in count and "Seq Scan" not in count, count
    for q in (officer.username.lower(), officer.mobile):
        count, rows = plans(lambda: list(selectors.user_page(query=q, page_number=1)))
        assert "Seq Scan" not in count, count


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_trgm exists only on PostgreSQL")
def test_the_user_name_trigram_indexes_keep_a_short_pending_list_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname IN "
                       "('accounts_user_name_en_trgm', 'accounts_user_name_hi_trgm')")
        found = dict(cursor.fetchall())
    assert set(found) == {"accounts_user_name_en_trgm", "accounts_user_name_hi_trgm"}
    assert all("gin_pending_list_limit=256" in (options or []) for options in found.values()), found
