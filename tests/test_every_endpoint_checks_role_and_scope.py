"""Every URL of the portal, opened by every role: allowed (200/302), wrong role (403),
outside the user's scope (404), or sent to log in. A new endpoint without a row here
makes `test_every_route_has_a_row` fail.

Expectation columns: anonymous, state, helpdesk, ddo, to, operator, district, division,
department, beneficiary, hospital. LOG = redirected to /accounts/login/. The district, division and
department officers sit in Lucknow / Lucknow division / Medical and Health; the DDO, TO and
operator in the CMO Office Lucknow; the beneficiary is the employee of a verified family of that
office. POST rows with `keeps` must leave that value unchanged when refused, and must change it
when allowed (unless the row says `changes=False`: the action only leads on to a next page).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver

from portal.accounts.models import User
from portal.ddo.models import Application, Handover
from portal.enrolment.models import ChangeRequest, DuplicateFlag, Family, Member, PayLevel, Transfer
from portal.enrolment.tests.conftest import photo_file
from portal.notify.models import Message
from tests.endpoint_table import Row, all_rows, problems, refuses_get, route_names
from tests.endpoint_table import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def status(attr):
    return lambda w: Application.objects.get(number=getattr(w, attr)).status


def user_field(name):
    return lambda w: getattr(User.objects.get(username=w.other), name)


def family_status(attr):
    return lambda w: Family.objects.get(number=getattr(w, attr)).status


def family_members(attr):
    return lambda w: Member.objects.filter(family__number=getattr(w, attr)).count()


def a_photo():
    return {"photo": photo_file(size=(150, 200))}


def a_scan():
    from portal.pdf import new_document, output

    pdf = new_document()
    pdf.add_page()
    return {"scan": SimpleUploadedFile("scan.pdf", output(pdf), "application/pdf")}


# fmt: off
ROWS = [
    #   route                          URL                                                anon state help ddo  to   oper dist divn dept benf hosp
    # --- public pages -------------------------------------------------------------------------------------------------------------------
    Row("web:home",                    "/",                                               "200 200 200 200 200 200 200 200 200 200 200"),
    Row("web:set_language",            "/language/",                                      "302 302 302 302 302 302 302 302 302 302 302", post={"language": "en"}),
    Row("web:healthz",                 "/healthz",                                        "200 200 200 200 200 200 200 200 200 200 200"),
    Row("web:readyz",                  "/readyz",                                         "200 200 200 200 200 200 200 200 200 200 200"),
    Row("notify:demo_inbox",           "/demo/inbox/?to=9876543210",                      "200 200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:login",              "/accounts/login/",                                "200 302 302 302 302 302 302 302 302 302 302"),
    Row("accounts:logout",             "/accounts/logout/",                               "302 302 302 302 302 302 302 302 302 302 302", post={}),
    Row("accounts:password_reset",     "/accounts/password/reset/",                       "200 200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:password_reset_complete", "/accounts/password/reset/otp/",              "302 302 302 302 302 302 302 302 302 302 302"),
    Row("accounts:otp_login",          "/accounts/otp-login/",                            "200 200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:otp_login_verify",   "/accounts/otp-login/verify/",                     "302 302 302 302 302 302 302 302 302 302 302"),
    Row("ddo:register",                "/ddo/register/",                                  "200 200 200 200 200 200 200 200 200 200 200"),
    Row("ddo:access",                  "/ddo/access/",                                    "200 200 200 200 200 200 200 200 200 200 200"),
    Row("ddo:access_verify",           "/ddo/access/otp/",                                "302 302 302 302 302 302 302 302 302 302 302"),
    Row("ddo:access_resend",           "/ddo/access/otp/resend/",                         "302 302 302 302 302 302 302 302 302 302 302", post={}),
    # --- the officer's application: only the browser that created it or opened it with the OTP ------------------------------------
    Row("ddo:application",             "/ddo/application/{app}/",                         "404 404 404 404 404 404 404 404 404 404 404"),
    Row("ddo:edit",                    "/ddo/application/{draft}/edit/",                  "404 404 404 404 404 404 404 404 404 404 404"),
    Row("ddo:offices",                 "/ddo/application/{draft}/offices/",               "404 404 404 404 404 404 404 404 404 404 404"),
    Row("ddo:remove_office",           "/ddo/application/{draft}/offices/{draft_office}/remove/",
                                                                                          "404 404 404 404 404 404 404 404 404 404 404", post={},
        keeps=lambda w: Application.objects.get(number=w.draft).offices.count()),
    Row("ddo:submit",                  "/ddo/application/{draft}/submit/",                "404 404 404 404 404 404 404 404 404 404 404", post={},
        keeps=status("draft")),
    Row("ddo:form_pdf",                "/ddo/application/{app}/form.pdf",                 "404 404 404 404 404 404 404 404 404 404 404",
        keeps=status("app")),
    Row("ddo:upload_scan",             "/ddo/application/{app}/scan/",                    "404 404 404 404 404 404 404 404 404 404 404", post=a_scan,
        keeps=lambda w: Application.objects.get(number=w.app).scan.name),
    Row("ddo:resubmit",                "/ddo/application/{app}/resubmit/",                "404 404 404 404 404 404 404 404 404 404 404", post={},
        keeps=status("app")),
    # --- any logged-in user --------------------------------------------------------------------------------------------------------
    Row("web:dashboard",               "/dashboard/",                                     "LOG 302 302 302 302 302 302 302 302 302 302"),
    Row("accounts:password_change",    "/accounts/password/change/",                      "LOG 200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:contact_change",     "/accounts/contact/",                              "LOG 200 200 200 200 200 200 200 200 200 200"),
    Row("accounts:contact_confirm",    "/accounts/contact/confirm/",                      "LOG 302 302 302 302 302 302 302 302 302 302"),
    # --- the registered DDO / TO ---------------------------------------------------------------------------------------------------
    Row("ddo:officer_dashboard",       "/ddo/dashboard/",                                 "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("ddo:handover_start",          "/ddo/handover/",                                  "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("ddo:handover_confirm",        "/ddo/handover/confirm/",                          "LOG 403 403 302 302 403 403 403 403 403 403"),
    # --- the Employee Gateway: open to all; a family only to the browser that made or opened it (OTP), or its office's operator --
    Row("enrolment:start",             "/gateway/",                                       "200 200 200 200 200 200 200 200 200 200 200"),
    Row("enrolment:new",               "/gateway/new/{office}/employee/",                 "200 200 200 200 200 200 200 200 200 200 200"),
    Row("enrolment:new",               "/gateway/new/{office}/nobody/",                   "404 404 404 404 404 404 404 404 404 404 404"),
    Row("enrolment:access",            "/gateway/access/",                                "200 200 200 200 200 200 200 200 200 200 200"),
    Row("enrolment:access_verify",     "/gateway/access/otp/",                            "302 302 302 302 302 302 302 302 302 302 302"),
    Row("enrolment:access_resend",     "/gateway/access/otp/resend/",                     "302 302 302 302 302 302 302 302 302 302 302", post={}),
    Row("enrolment:family",            "/gateway/{fdraft}/",                              "404 404 404 404 404 200 404 404 404 404 404"),
    Row("enrolment:family",            "/gateway/{fagra}/",                               "404 404 404 404 404 404 404 404 404 404 404"),
    Row("enrolment:primary",           "/gateway/{fdraft}/primary/",                      "404 404 404 404 404 200 404 404 404 404 404"),
    Row("enrolment:add_member",        "/gateway/{fdraft}/members/add/",                  "404 404 404 404 404 200 404 404 404 404 404"),
    Row("enrolment:edit_member",       "/gateway/{fdraft}/members/{fdraft_son}/",         "404 404 404 404 404 200 404 404 404 404 404"),
    Row("enrolment:delete_member",     "/gateway/{fdraft}/members/{fdraft_son}/delete/",  "404 404 404 404 404 302 404 404 404 404 404", post={},
        keeps=family_members("fdraft")),
    Row("enrolment:upload_photo",      "/gateway/{fdraft}/members/{fdraft_son}/photo/",   "404 404 404 404 404 302 404 404 404 404 404", post=a_photo,
        keeps=lambda w: Member.objects.get(pk=w.fdraft_son).photo_id),
    Row("enrolment:upload_photo",      "/gateway/{fagra_draft}/members/{fagra_draft_self}/photo/",
                                                                                          "404 404 404 404 404 404 404 404 404 404 404", post=a_photo,
        keeps=lambda w: Member.objects.get(pk=w.fagra_draft_self).photo_id),
    Row("enrolment:member_photo",      "/gateway/{fsub}/members/{fsub_self}/photo.jpg",   "404 404 404 404 404 200 404 404 404 404 404"),
    Row("enrolment:submit",            "/gateway/{fdraft}/submit/",                       "404 404 404 404 404 302 404 404 404 404 404", post={},
        keeps=family_status("fdraft"), changes=False),
    Row("enrolment:consent",           "/gateway/{fdraft}/consent/",                      "404 404 404 404 404 200 404 404 404 404 404"),
    Row("enrolment:consent",           "/gateway/{fagra_draft}/consent/",                 "404 404 404 404 404 404 404 404 404 404 404"),
    Row("enrolment:resubmit",          "/gateway/{fret}/resubmit/",                       "404 404 404 404 404 302 404 404 404 404 404", post={},
        keeps=family_status("fret")),
    Row("enrolment:form_pdf",          "/gateway/{fsub}/form.pdf",                        "404 404 404 404 404 200 404 404 404 404 404"),
    # --- the office's families: the DDO/TO decides; the operator and the monitoring roles only look, each within their scope -----
    Row("enrolment:operator_start",    "/office/register/",                               "LOG 403 403 403 403 302 403 403 403 403 403"),
    Row("enrolment:queue",             "/office/families/",                               "LOG 200 200 200 200 200 200 200 200 403 403"),
    Row("enrolment:bulk_verify",       "/office/families/bulk-verify/",                   "LOG 403 403 302 302 403 403 403 403 403 403",
        post=lambda: {"number": list(Family.objects.filter(status="submitted").values_list("number", flat=True))},
        keeps=family_status("fsub")),
    Row("enrolment:review",            "/office/families/{fsub}/",                        "LOG 200 200 200 200 200 200 200 200 403 403"),
    Row("enrolment:review",            "/office/families/{fagra}/",                       "LOG 200 200 404 404 404 404 404 404 403 403"),
    Row("enrolment:office_form_pdf",   "/office/families/{fsub}/form.pdf",                "LOG 200 200 200 200 200 200 200 200 404 403"),
    Row("enrolment:office_form_pdf",   "/office/families/{fver}/form.pdf",                "LOG 200 200 200 200 200 200 200 200 200 403"),
    Row("enrolment:office_form_pdf",   "/office/families/{fagra}/form.pdf",               "LOG 200 200 404 404 404 404 404 404 404 403"),
    Row("enrolment:photo",             "/office/members/{fsub_self}/photo.jpg",           "LOG 200 200 200 200 200 200 200 200 404 403"),
    Row("enrolment:photo",             "/office/members/{fver_self}/photo.jpg",           "LOG 200 200 200 200 200 200 200 200 200 403"),
    Row("enrolment:photo",             "/office/members/{fagra_self}/photo.jpg",          "LOG 200 200 404 404 404 404 404 404 404 403"),
    Row("enrolment:act",               "/office/families/{fsub}/verify/",                 "LOG 403 403 302 302 403 403 403 403 403 403", post={},
        keeps=family_status("fsub")),
    Row("enrolment:act",               "/office/families/{fsub}/return/",                 "LOG 403 403 302 302 403 403 403 403 403 403",
        post={"reason": "Photo unclear"}, keeps=family_status("fsub")),
    Row("enrolment:act",               "/office/families/{fsub}/reject/",                 "LOG 403 403 302 302 403 403 403 403 403 403",
        post={"reason": "Not of this office"}, keeps=family_status("fsub")),
    Row("enrolment:act",               "/office/families/{fsub}/form-received/",          "LOG 403 403 302 302 403 403 403 403 403 403",
        post={"received_on": "2026-11-20"}, keeps=lambda w: Family.objects.get(number=w.fsub).form_received_on),
    Row("enrolment:act",               "/office/families/{fagra}/verify/",                "LOG 403 403 404 404 403 403 403 403 403 403", post={},
        keeps=family_status("fagra")),
    Row("enrolment:transfer",          "/office/families/{fver}/transfer/",               "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("enrolment:transfer",          "/office/families/{fagra_ver}/transfer/",          "LOG 403 403 404 404 403 403 403 403 403 403"),
    Row("enrolment:retire",            "/office/families/{fver}/retire/",                 "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("enrolment:retire",            "/office/families/{fagra_ver}/retire/",            "LOG 403 403 404 404 403 403 403 403 403 403"),
    Row("enrolment:changes",           "/office/changes/",                                "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("enrolment:change_decide",     "/office/changes/{change}/approve/",               "LOG 403 403 302 302 403 403 403 403 403 403", post={},
        keeps=lambda w: ChangeRequest.objects.get(pk=w.change).state),
    Row("enrolment:change_decide",     "/office/changes/{agra_change}/approve/",          "LOG 403 403 404 404 403 403 403 403 403 403", post={},
        keeps=lambda w: ChangeRequest.objects.get(pk=w.agra_change).state),
    Row("enrolment:transfer_decide",   "/office/transfers/{incoming}/accept/",            "LOG 403 403 302 302 403 403 403 403 403 403", post={},
        keeps=lambda w: Transfer.objects.get(pk=w.incoming).state),
    Row("enrolment:transfer_decide",   "/office/transfers/{outgoing}/accept/",            "LOG 403 403 404 404 403 403 403 403 403 403", post={},
        keeps=lambda w: Transfer.objects.get(pk=w.outgoing).state),
    Row("enrolment:duplicates",        "/office/duplicates/",                             "LOG 200 200 200 200 403 403 403 403 403 403"),
    Row("enrolment:duplicate_resolve", "/office/duplicates/{flag}/resolve/",              "LOG 302 403 302 302 403 403 403 403 403 403",
        post={"reason": "Kept in the mother's family"}, keeps=lambda w: DuplicateFlag.objects.get(pk=w.flag).state),
    Row("enrolment:duplicate_resolve", "/office/duplicates/{agra_flag}/resolve/",         "LOG 302 403 404 404 403 403 403 403 403 403",
        post={"reason": "Kept in the mother's family"}, keeps=lambda w: DuplicateFlag.objects.get(pk=w.agra_flag).state),
    # --- the scheme's rules (state cell) --------------------------------------------------------------------------------------------
    Row("enrolment:rules",             "/state/rules/",                                   "LOG 200 200 403 403 403 403 403 403 403 403"),
    Row("enrolment:rule_edit",         "/state/rules/R-SON/",                             "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("enrolment:pay_level_edit",    "/state/pay-levels/{level}/",                      "LOG 302 403 403 403 403 403 403 403 403 403",
        post=lambda: {f"l{PayLevel.objects.get(code='1').pk}-ward": "private"},
        keeps=lambda w: PayLevel.objects.get(pk=w.level).ward),
    # --- the employee's / pensioner's own pages ------------------------------------------------------------------------------------
    Row("enrolment:my_family",         "/my/",                                            "LOG 403 403 403 403 403 403 403 403 200 403"),
    Row("enrolment:change_new",        "/my/changes/add/",                                "LOG 403 403 403 403 403 403 403 403 200 403"),
    Row("enrolment:change_new",        "/my/changes/remove/",                             "LOG 403 403 403 403 403 403 403 403 200 403"),
    # --- the DDO's / TO's computer operators ---------------------------------------------------------------------------------------
    Row("ddo:operators",               "/ddo/operators/",                                 "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("ddo:operator_remove",         "/ddo/operators/{op}/remove/",                     "LOG 403 403 302 302 403 403 403 403 403 403", post={},
        keeps=lambda w: User.objects.get(username=w.op).is_active),
    Row("ddo:operator_remove",         "/ddo/operators/{op_agra}/remove/",                "LOG 403 403 404 404 403 403 403 403 403 403", post={},
        keeps=lambda w: User.objects.get(username=w.op_agra).is_active),
    # --- review of applications: state cell acts, the others only look, each within their scope ------------------------------------
    Row("ddo:queue",                   "/state/ddo/",                                     "LOG 200 200 403 403 403 200 200 200 403 403"),
    Row("ddo:review",                  "/state/ddo/{app}/",                               "LOG 200 200 403 403 403 200 200 200 403 403"),
    Row("ddo:review",                  "/state/ddo/{agra}/",                              "LOG 200 200 403 403 403 404 404 404 403 403"),
    Row("ddo:scan",                    "/state/ddo/{scanned}/scan",                       "LOG 200 200 403 403 403 200 200 200 403 403"),
    Row("ddo:scan",                    "/state/ddo/{agra}/scan",                          "LOG 200 200 403 403 403 404 404 404 403 403"),
    Row("ddo:state_form_pdf",          "/state/ddo/{app}/form.pdf",                       "LOG 200 200 403 403 403 200 200 200 403 403"),
    Row("ddo:state_form_pdf",          "/state/ddo/{agra}/form.pdf",                      "LOG 200 200 403 403 403 404 404 404 403 403"),
    Row("ddo:act",                     "/state/ddo/{app}/reject/",                        "LOG 302 403 403 403 403 403 403 403 403 403",
        post={"reason": "Not a DDO"}, keeps=status("app")),
    Row("ddo:act",                     "/state/ddo/{scanned}/approve/",                   "LOG 302 403 403 403 403 403 403 403 403 403", post={},
        keeps=status("scanned")),
    Row("ddo:handover_list",           "/state/handovers/",                               "LOG 200 200 403 403 403 403 403 403 403 403"),
    Row("ddo:handover_decide",         "/state/handovers/{handover}/approve/",            "LOG 302 403 403 403 403 403 403 403 403 403", post={},
        keeps=lambda w: Handover.objects.get(pk=w.handover).state),
    Row("ddo:handover_by_state",       "/state/officers/{officer}/handover/",             "LOG 200 403 403 403 403 403 403 403 403 403"),
    # --- officer accounts ----------------------------------------------------------------------------------------------------------
    Row("accounts:user_list",          "/state/users/",                                   "LOG 200 200 403 403 403 403 403 403 403 403"),
    Row("accounts:user_create",        "/state/users/new/",                               "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("accounts:user_detail",        "/state/users/{other}/",                           "LOG 200 200 403 403 403 403 403 403 403 403"),
    Row("accounts:user_action",        "/state/users/{other}/deactivate/",                "LOG 302 403 403 403 403 403 403 403 403 403",
        post={"reason": "Transferred"}, keeps=user_field("is_active")),
    Row("accounts:user_action",        "/state/users/{other}/reset-password/",            "LOG 302 302 403 403 403 403 403 403 403 403", post={},
        keeps=user_field("password")),
    # --- the outbox: what was sent, for "I did not get the SMS" -------------------------------------------------------------------
    Row("web:outbox",                  "/state/messages/",                                "LOG 200 200 403 403 403 403 403 403 403 403"),
    Row("web:outbox_requeue",          "/state/messages/requeue/",                        "LOG 302 403 403 403 403 403 403 403 403 403",
        post=lambda: {"message": [str(m) for m in Message.objects.filter(status="failed").values_list("pk", flat=True)]},
        keeps=lambda w: Message.objects.get(pk=w.failed).status),
    # --- master data ---------------------------------------------------------------------------------------------------------------
    Row("directory:index",             "/state/directory/",                               "LOG 302 403 403 403 403 403 403 403 403 403"),
    Row("directory:list",              "/state/directory/offices/",                       "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("directory:create",            "/state/directory/offices/new/",                   "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("directory:import",            "/state/directory/treasuries/import/",             "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("directory:template",          "/state/directory/departments/template.csv",       "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("directory:edit",              "/state/directory/offices/{office}/edit/",         "LOG 200 403 403 403 403 403 403 403 403 403"),
]
# fmt: on


def test_every_route_has_a_row():
    routes = set(route_names(get_resolver().url_patterns))
    rows = {row.name for row in all_rows()}
    assert routes - rows == set(), "routes without a row in any access table"
    assert rows - routes == set(), "rows for routes that no longer exist"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.name} {r.url}" for r in ROWS])
def test_route_answers_each_role_as_the_table_says(world, row):
    found = problems(world, row)
    assert not found, f"{'GET' if row.post is None else 'POST'} {row.url}\n" + "\n".join(found)


@pytest.mark.parametrize("row", [r for r in ROWS if r.post is not None], ids=lambda r: f"{r.name} {r.url}")
def test_action_endpoint_refuses_get_and_changes_nothing(world, row):
    assert refuses_get(world, row)


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
