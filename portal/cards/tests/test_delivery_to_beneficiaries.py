"""Printed cards go to each office (dispatch register), the office records receipt (an SMS to
every family, in its language), then hands each card over, optionally confirmed by OTP."""

import datetime
import uuid

import pytest
import time_machine

from portal.audit.services import Actor
from portal.cards import batches, delivery
from portal.cards.models import Card, Dispatch, Stage
from portal.cards.services import CardError, issue_cards
from portal.notify.otp import OtpError

from .conftest import english

pytestmark = pytest.mark.django_db


def as_user(user) -> Actor:
    return Actor(user=user, role=user.role, label=user.username)


@pytest.fixture
def printed(make_family, system, users):
    """Two families of the DDO's office (one Hindi, one English), their cards printed."""
    hindi, english_family = make_family(language="hi"), make_family(language="en")
    for family in (hindi, english_family):
        issue_cards(family=family, actor=system)
    batch = batches.create_batch(actor=as_user(users["state"]), filters={}, limit=100, token=uuid.uuid4())
    batches.produce_batch(batch.pk)
    return hindi, english_family


def test_dispatch_receipt_sms_and_handover_with_the_beneficiarys_otp(printed, ddo, ddo_office, users, phone):
    hindi, english_family = printed
    state = as_user(users["state"])
    today = datetime.date.today()
    dispatch = delivery.dispatch_cards(actor=state, office=ddo_office, reference="SP/2026/118", dispatched_on=today)
    assert dispatch.cards.count() == 6
    assert all(c.stage == Stage.DISPATCHED and c.dispatched_at for c in Card.objects.filter(office=ddo_office))
    with pytest.raises(CardError):  # nothing left to send
        delivery.dispatch_cards(actor=state, office=ddo_office, reference="again", dispatched_on=today)

    officer = as_user(ddo)
    assert delivery.receive_dispatch(actor=officer, dispatch=dispatch, received_on=today) == 6
    assert Card.objects.filter(office=ddo_office, stage=Stage.RECEIVED).count() == 6
    hindi_sms, english_sms = phone.last(hindi.mobile), phone.last(english_family.mobile)
    assert "राज्य स्वास्थ्य कार्ड" in hindi_sms and hindi.number in hindi_sms and "3" in hindi_sms
    assert "3 State Health Card(s)" in english_sms and ddo_office.name_en in english_sms
    from portal.notify.models import Message

    received = Message.objects.filter(template="card_received")
    assert received.filter(to=hindi.mobile, language="hi").count() == 1  # one SMS per family, not per card
    assert received.filter(to=english_family.mobile, language="en").count() == 1 and received.count() == 2
    with pytest.raises(CardError) as twice:
        delivery.receive_dispatch(actor=officer, dispatch=dispatch, received_on=today)
    assert "already" in english(twice.value.message)

    cards = list(Card.objects.filter(family=hindi).order_by("id"))
    delivery.send_handover_otp(family=hindi)
    with pytest.raises(OtpError):
        delivery.hand_over(actor=officer, family=hindi, cards=cards, handed_over_on=today, otp="000000")
    assert not Card.objects.filter(family=hindi, stage=Stage.HANDED_OVER).exists()  # a wrong OTP changes nothing
    code = phone.otp(hindi.mobile)
    assert delivery.hand_over(actor=officer, family=hindi, cards=cards, handed_over_on=today, otp=code) == 3
    for card in Card.objects.filter(family=hindi):
        assert card.stage == Stage.HANDED_OVER and card.handover_acknowledged and card.handed_over_by == ddo
    others = list(Card.objects.filter(family=english_family))
    assert delivery.hand_over(actor=officer, family=english_family, cards=others[:1], handed_over_on=today) == 1
    first = Card.objects.get(pk=others[0].pk)
    assert first.stage == Stage.HANDED_OVER and not first.handover_acknowledged
    with pytest.raises(CardError):  # cards of another family are refused
        delivery.hand_over(actor=officer, family=hindi, cards=others[1:], handed_over_on=today)


def test_dates_are_checked_and_set_the_timestamps(printed, ddo, ddo_office, users):
    state = as_user(users["state"])
    today = datetime.date.today()
    with pytest.raises(CardError) as future:
        delivery.dispatch_cards(actor=state, office=ddo_office, reference="R1",
                                dispatched_on=today + datetime.timedelta(days=1))
    assert "future" in english(future.value.message)
    with pytest.raises(CardError):  # before the cards were printed
        delivery.dispatch_cards(actor=state, office=ddo_office, reference="R1",
                                dispatched_on=today - datetime.timedelta(days=3))
    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=2), tick=False):
        dispatch = delivery.dispatch_cards(actor=state, office=ddo_office, reference="R1",
                                           dispatched_on=today + datetime.timedelta(days=1))
        with pytest.raises(CardError):  # received before it was sent
            delivery.receive_dispatch(actor=as_user(ddo), dispatch=dispatch, received_on=today)
        delivery.receive_dispatch(actor=as_user(ddo), dispatch=dispatch, received_on=today + datetime.timedelta(days=2))
    card = Card.objects.filter(dispatch=dispatch).first()
    from django.utils import timezone

    assert timezone.localdate(card.dispatched_at) == today + datetime.timedelta(days=1)  # the typed date, at noon
    assert timezone.localtime(card.dispatched_at).hour == 12
    assert Dispatch.objects.get(pk=dispatch.pk).received_on == today + datetime.timedelta(days=2)
