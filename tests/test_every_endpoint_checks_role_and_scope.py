"""Every URL of the portal, opened by every role: allowed (200/302), wrong role (403),
outside the user's scope (404), or sent to log in. A new endpoint without a row here
makes `test_every_route_has_a_row` fail.

Expectation columns: anonymous, state, helpdesk, ddo, to, operator, district, division,
department, beneficiary. LOG = redirected to /accounts/login/. The district, division and
department officers sit in Lucknow / Lucknow division / Medical and Health; the DDO, TO and
operator in the CMO Office Lucknow. POST rows with `keeps` must leave that value unchanged
when refused, and must change it when allowed.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from portal.accounts.models import User
from portal.ddo import services
from portal.ddo.models import Application, Handover
from portal.notify.models import Message
from portal.notify.outbox import queue_sms

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "state", "helpdesk", "ddo", "to", "operator", "district", "division", "department", "beneficiary")
ALLOWED = {"200", "302"}


def status(attr):
    return lambda w: Application.objects.get(number=getattr(w, attr)).status


def user_field(name):
    return lambda w: getattr(User.objects.get(username=w.other), name)


def a_scan():
    from portal.pdf import new_document, output

    pdf = new_document()
    pdf.add_page()
    return {"scan": SimpleUploadedFile("scan.pdf", output(pdf), "application/pdf")}


@dataclass(frozen=True)
class Row:
    name: str
    url: str  # formatted with the world's attributes
    expect: str  # ten outcomes, in ROLES order
    post: Any = None  # None: GET; a dict (or a callable making one): POST
    keeps: Callable | None = None

    def outcomes(self) -> dict[str, str]:
        values = self.expect.split()
        assert len(values) == len(ROLES), f"{self.name}: {len(values)} outcomes for {len(ROLES)} roles"
        return dict(zip(ROLES, values))


# fmt: off
ROWS = [
    #   route                          URL                                                anon state help ddo  to   oper dist divn dept benf
    # --- public pages -------------------------------------------------------------------------------------------------------------------
    Row("web:home",                    "/",                                               "200 200 200 200 200 200 200 200 200 200"),
    Row("web:set_language",            "/language/",                                      "302 302 302 302 302 302 302 302 302 302", post={"language": "en"}),
    Row("web:healthz",                 "/healthz",                                        "200 200 200 200 200 200 200 200 200 200"),
    Row("web:readyz",                  "/readyz",                                         "200 200 200 200 200 200 200 200 200 200"),
    Row("notify:demo_inbox",           "/demo/inbox/?to=9876543210",                      "200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:login",              "/accounts/login/",                                "200 302 302 302 302 302 302 302 302 302"),
    Row("accounts:logout",             "/accounts/logout/",                               "302 302 302 302 302 302 302 302 302 302", post={}),
    Row("accounts:password_reset",     "/accounts/password/reset/",                       "200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:password_reset_complete", "/accounts/password/reset/otp/",              "302 302 302 302 302 302 302 302 302 302"),
    Row("accounts:otp_login",          "/accounts/otp-login/",                            "200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:otp_login_verify",   "/accounts/otp-login/verify/",                     "302 302 302 302 302 302 302 302 302 302"),
    Row("ddo:register",                "/ddo/register/",                                  "200 200 200 200 200 200 200 200 200 200"),
    Row("ddo:access",                  "/ddo/access/",                                    "200 200 200 200 200 200 200 200 200 200"),
    Row("ddo:access_verify",           "/ddo/access/otp/",                                "302 302 302 302 302 302 302 302 302 302"),
    Row("ddo:access_resend",           "/ddo/access/otp/resend/",                         "302 302 302 302 302 302 302 302 302 302", post={}),
    # --- the officer's application: only the browser that created it or opened it with the OTP ------------------------------------
    Row("ddo:application",             "/ddo/application/{app}/",                         "404 404 404 404 404 404 404 404 404 404"),
    Row("ddo:edit",                    "/ddo/application/{draft}/edit/",                  "404 404 404 404 404 404 404 404 404 404"),
    Row("ddo:offices",                 "/ddo/application/{draft}/offices/",               "404 404 404 404 404 404 404 404 404 404"),
    Row("ddo:remove_office",           "/ddo/application/{draft}/offices/{draft_office}/remove/",
                                                                                          "404 404 404 404 404 404 404 404 404 404", post={},
        keeps=lambda w: Application.objects.get(number=w.draft).offices.count()),
    Row("ddo:submit",                  "/ddo/application/{draft}/submit/",                "404 404 404 404 404 404 404 404 404 404", post={},
        keeps=status("draft")),
    Row("ddo:form_pdf",                "/ddo/application/{app}/form.pdf",                 "404 404 404 404 404 404 404 404 404 404",
        keeps=status("app")),
    Row("ddo:upload_scan",             "/ddo/application/{app}/scan/",                    "404 404 404 404 404 404 404 404 404 404", post=a_scan,
        keeps=lambda w: Application.objects.get(number=w.app).scan.name),
    Row("ddo:resubmit",                "/ddo/application/{app}/resubmit/",                "404 404 404 404 404 404 404 404 404 404", post={},
        keeps=status("app")),
    # --- any logged-in user --------------------------------------------------------------------------------------------------------
    Row("web:dashboard",               "/dashboard/",                                     "LOG 302 302 302 302 200 302 302 302 200"),
    Row("accounts:password_change",    "/accounts/password/change/",                      "LOG 200 200 200 200 200 200 200 200 200"),
    Row("accounts:contact_change",     "/accounts/contact/",                              "LOG 200 200 200 200 200 200 200 200 200"),
    Row("accounts:contact_confirm",    "/accounts/contact/confirm/",                      "LOG 302 302 302 302 302 302 302 302 302"),
    # --- the registered DDO / TO ---------------------------------------------------------------------------------------------------
    Row("ddo:officer_dashboard",       "/ddo/dashboard/",                                 "LOG 403 403 200 200 403 403 403 403 403"),
    Row("ddo:handover_start",          "/ddo/handover/",                                  "LOG 403 403 200 200 403 403 403 403 403"),
    Row("ddo:handover_confirm",        "/ddo/handover/confirm/",                          "LOG 403 403 302 302 403 403 403 403 403"),
    # --- review of applications: state cell acts, the others only look, each within their scope ------------------------------------
    Row("ddo:queue",                   "/state/ddo/",                                     "LOG 200 200 403 403 403 200 200 200 403"),
    Row("ddo:review",                  "/state/ddo/{app}/",                               "LOG 200 200 403 403 403 200 200 200 403"),
    Row("ddo:review",                  "/state/ddo/{agra}/",                              "LOG 200 200 403 403 403 404 404 404 403"),
    Row("ddo:scan",                    "/state/ddo/{scanned}/scan",                       "LOG 200 200 403 403 403 200 200 200 403"),
    Row("ddo:scan",                    "/state/ddo/{agra}/scan",                          "LOG 200 200 403 403 403 404 404 404 403"),
    Row("ddo:state_form_pdf",          "/state/ddo/{app}/form.pdf",                       "LOG 200 200 403 403 403 200 200 200 403"),
    Row("ddo:state_form_pdf",          "/state/ddo/{agra}/form.pdf",                      "LOG 200 200 403 403 403 404 404 404 403"),
    Row("ddo:act",                     "/state/ddo/{app}/reject/",                        "LOG 302 403 403 403 403 403 403 403 403",
        post={"reason": "Not a DDO"}, keeps=status("app")),
    Row("ddo:act",                     "/state/ddo/{scanned}/approve/",                   "LOG 302 403 403 403 403 403 403 403 403", post={},
        keeps=status("scanned")),
    Row("ddo:handover_list",           "/state/handovers/",                               "LOG 200 200 403 403 403 403 403 403 403"),
    Row("ddo:handover_decide",         "/state/handovers/{handover}/approve/",            "LOG 302 403 403 403 403 403 403 403 403", post={},
        keeps=lambda w: Handover.objects.get(pk=w.handover).state),
    Row("ddo:handover_by_state",       "/state/officers/{officer}/handover/",             "LOG 200 403 403 403 403 403 403 403 403"),
    # --- officer accounts ----------------------------------------------------------------------------------------------------------
    Row("accounts:user_list",          "/state/users/",                                   "LOG 200 200 403 403 403 403 403 403 403"),
    Row("accounts:user_create",        "/state/users/new/",                               "LOG 200 403 403 403 403 403 403 403 403"),
    Row("accounts:user_detail",        "/state/users/{other}/",                           "LOG 200 200 403 403 403 403 403 403 403"),
    Row("accounts:user_action",        "/state/users/{other}/deactivate/",                "LOG 302 403 403 403 403 403 403 403 403",
        post={"reason": "Transferred"}, keeps=user_field("is_active")),
    Row("accounts:user_action",        "/state/users/{other}/reset-password/",            "LOG 302 302 403 403 403 403 403 403 403", post={},
        keeps=user_field("password")),
    # --- the outbox: what was sent, for "I did not get the SMS" -------------------------------------------------------------------
    Row("web:outbox",                  "/state/messages/",                                "LOG 200 200 403 403 403 403 403 403 403"),
    Row("web:outbox_requeue",          "/state/messages/requeue/",                        "LOG 302 403 403 403 403 403 403 403 403",
        post=lambda: {"message": [str(m) for m in Message.objects.filter(status="failed").values_list("pk", flat=True)]},
        keeps=lambda w: Message.objects.get(pk=w.failed).status),
    # --- master data ---------------------------------------------------------------------------------------------------------------
    Row("directory:index",             "/state/directory/",                               "LOG 302 403 403 403 403 403 403 403 403"),
    Row("directory:list",              "/state/directory/offices/",                       "LOG 200 403 403 403 403 403 403 403 403"),
    Row("directory:create",            "/state/directory/offices/new/",                   "LOG 200 403 403 403 403 403 403 403 403"),
    Row("directory:import",            "/state/directory/treasuries/import/",             "LOG 200 403 403 403 403 403 403 403 403"),
    Row("directory:template",          "/state/directory/departments/template.csv",       "LOG 200 403 403 403 403 403 403 403 403"),
    Row("directory:edit",              "/state/directory/offices/{office}/edit/",         "LOG 200 403 403 403 403 403 403 403 403"),
]
# fmt: on


def route_names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from route_names(pattern.url_patterns, namespace)
        else:
            assert isinstance(pattern, URLPattern)
            assert pattern.name, f"unnamed URL pattern {pattern.pattern}: name it and give it a row here"
            yield prefix + pattern.name


def test_every_route_has_a_row():
    routes = set(route_names(get_resolver().url_patterns))
    rows = {row.name for row in ROWS}
    assert routes - rows == set(), "routes without a row in the access table"
    assert rows - routes == set(), "rows for routes that no longer exist"


@pytest.fixture
def world(users, offices, submitted, geo, system, application_data, office_data, settings):
    settings.DEMO_MODE = True
    draft = services.start_application(actor=system, data=application_data(ddo_code="2663", mobile="9876500013"),
                                       token=uuid.uuid4(), language="hi")
    draft_office = services.add_office(actor=system, application=draft, data=office_data())
    handover = Handover.objects.create(
        from_user=users["ddo"], requested_by=users["ddo"], requested_at=draft.created_at, new_name_en="Meena Sharma",
        new_name_hi="मीना शर्मा", new_designation="CMO", new_mobile="9700011122", new_mobile_kind="cug",
        new_email="meena@example.in", effective_date=draft.created_at.date(),
    )
    handover.offices.set([offices["lucknow"]])
    failed = queue_sms(to="9876500015", template="ddo_submitted", language="hi", context={"number": draft.number})
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED, attempts=5)
    return SimpleNamespace(
        users=users,
        app=submitted().number,
        scanned=submitted(stage="scan_received", ddo_code="2662", mobile="9876500012").number,
        agra=submitted(stage="scan_received", ddo_code="4275", district=geo["agra"], treasury=geo["t_agra"],
                       department=geo["education"], mobile="9876500014").number,
        draft=draft.number, draft_office=draft_office.pk, handover=handover.pk, failed=failed.pk,
        office=offices["lucknow"].code, officer=users["ddo"].username, other=users["ddo_agra"].username,
    )


def outcome(response) -> str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "LOG"
    return str(response.status_code)


def visit(world, row: Row, role: str) -> str:
    """One request as `role`, rolled back afterwards so roles do not see each other's effects."""
    problems = []
    with transaction.atomic():
        cache.clear()
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
        url = row.url.format(**vars(world))
        before = row.keeps(world) if row.keeps else None
        if row.post is None:
            response = client.get(url)
        else:
            response = client.post(url, row.post() if callable(row.post) else row.post)
        got, expected = outcome(response), row.outcomes()[role]
        if got != expected:
            problems.append(f"{role}: expected {expected}, got {got}")
        if row.keeps:
            after = row.keeps(world)
            if expected in ALLOWED and after == before:
                problems.append(f"{role}: allowed, but {before!r} did not change")
            if expected not in ALLOWED and after != before:
                problems.append(f"{role}: refused, yet {before!r} became {after!r}")
        transaction.set_rollback(True)
    return "; ".join(problems)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.name} {r.url}" for r in ROWS])
def test_route_answers_each_role_as_the_table_says(world, row):
    problems = [p for p in (visit(world, row, role) for role in ROLES) if p]
    assert not problems, f"{'GET' if row.post is None else 'POST'} {row.url}\n" + "\n".join(problems)


@pytest.mark.parametrize("row", [r for r in ROWS if r.post is not None], ids=lambda r: f"{r.name} {r.url}")
def test_action_endpoint_refuses_get_and_changes_nothing(world, row):
    client = Client()
    client.force_login(world.users["state"], backend="django.contrib.auth.backends.ModelBackend")
    before = row.keeps(world) if row.keeps else None
    assert client.get(row.url.format(**vars(world))).status_code == 405
    if row.keeps:
        assert row.keeps(world) == before


def test_refused_state_actions_send_no_messages(world):
    """Spot check: a refused approval sends no SMS; the same request by the state cell does."""
    url = f"/state/ddo/{world.scanned}/approve/"
    for role in ("helpdesk", "district", "ddo"):
        client = Client()
        client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
        assert client.post(url).status_code == 403
    assert not Message.objects.filter(template="ddo_approved").exists()
    state = Client()
    state.force_login(world.users["state"], backend="django.contrib.auth.backends.ModelBackend")
    state.post(url)
    assert Message.objects.filter(template="ddo_approved").exists()
