"""The state cell and helpdesk can see what was sent to a number, without secrets."""

import pytest
from django.urls import reverse

from portal.notify.models import Message
from portal.notify.otp import send_otp

pytestmark = pytest.mark.django_db


def test_helpdesk_sees_messages_to_a_number_with_the_otp_blanked(users, login, phone):
    send_otp(purpose="login", target="9876500011", purpose_label="log in", language="en")
    code = phone.otp("9876500011")
    page = login(users["helpdesk"]).get(reverse("web:outbox"), {"to": "+91 98765 00011"}).content.decode()
    assert "9876500011" in page and "••••••" in page
    assert code not in page


def test_state_cell_sends_failed_messages_again(users, login, phone):
    from portal.notify.outbox import queue_sms

    queued = queue_sms(to="9876500012", template="ddo_submitted", language="hi", context={"number": "DR260000018"})
    Message.objects.filter(pk=queued.pk).update(status=Message.Status.FAILED, attempts=8)
    client = login(users["state"])
    response = client.post(reverse("web:outbox_requeue"), {"message": [queued.pk]})
    assert response.status_code == 302
    phone.deliver()
    queued.refresh_from_db()
    assert queued.status == Message.Status.SENT
    assert "DR260000018" in phone.last("9876500012")


@pytest.mark.parametrize("role", ["ddo", "to", "operator", "district", "division", "department", "beneficiary"])
def test_other_roles_cannot_see_the_outbox(users, login, role):
    client = login(users[role])
    assert client.get(reverse("web:outbox")).status_code == 403
    assert client.post(reverse("web:outbox_requeue"), {"message": ["1"]}).status_code == 403


def test_helpdesk_cannot_requeue(users, login):
    assert login(users["helpdesk"]).post(reverse("web:outbox_requeue"), {"message": ["1"]}).status_code == 403


def test_an_email_address_is_found_in_any_case_on_its_index(users, login):
    # Addresses are queued in lower case, so the page matches exactly (the `to` index).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.notify.outbox import queue_email

    queue_email(to="Ravi.Kumar@Example.in", template="ddo_submitted", language="en", context={"number": "DR260000018"})
    client = login(users["helpdesk"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("web:outbox"), {"to": " RAVI.KUMAR@example.IN "}).content.decode()
    assert "ravi.kumar@example.in" in page
    # `__iexact` is UPPER(...) = UPPER(...) on PostgreSQL and LIKE on SQLite.
    assert not [q for q in queries.captured_queries
                if "notify_message" in q["sql"] and ("UPPER(" in q["sql"] or " LIKE " in q["sql"])]
