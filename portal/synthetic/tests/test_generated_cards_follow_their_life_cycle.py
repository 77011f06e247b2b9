"""Verified families have their beneficiary accounts and State Health Cards at every stage,
with ordered dates, valid numbers and signed QR payloads the cards app accepts."""

import pytest
from django.db.models import Count
from django.utils import timezone

from portal.accounts.models import Role
from portal.cards import qr
from portal.cards import services as cards
from portal.cards.keys import keyring
from portal.cards.models import Card, CardPrint, Dispatch, PrintBatch
from portal.checkdigit import verhoeff_valid
from portal.enrolment.models import Family, Member, Status

pytestmark = pytest.mark.django_db

STAGE_DATES = ["issued_at", "printed_at", "dispatched_at", "received_at", "handed_over_at"]
STAGES = ["issued", "printed", "dispatched", "received", "handed_over"]


def test_every_verified_family_has_its_beneficiary_account(population):
    verified = Family.objects.filter(status=Status.VERIFIED).select_related("user")
    assert verified.count() > 600
    for family in verified:
        user = family.user
        assert user.role == Role.BENEFICIARY and not user.has_usable_password()
        assert user.username == f"BN{user.pk:06d}" and user.mobile == family.mobile
        assert user.date_joined == family.decided_at
        primary = family.members.get(relation="self")
        assert (user.name_en, user.name_hi) == (primary.name_en, primary.name_hi)
    assert not Family.objects.exclude(status=Status.VERIFIED).filter(user__isnull=False).exists()


def test_each_member_of_a_verified_family_has_one_live_card_and_only_they_do(population):
    live = Card.objects.filter(state__in=cards.LIVE)
    per_member = dict(live.values_list("member").annotate(n=Count("id")))
    verified_members = set(Member.objects.filter(family__status=Status.VERIFIED).values_list("pk", flat=True))
    assert set(per_member) == verified_members and set(per_member.values()) == {1}
    assert cards.families_needing_cards() == []  # what the cards app would issue or change: nothing


def test_card_dates_are_ordered_and_match_the_stage(population):
    for card in Card.objects.all():
        dates = [getattr(card, name) for name in STAGE_DATES]
        reached = STAGES.index(card.stage)
        assert all(d is not None for d in dates[:reached + 1]), card.number
        assert all(d is None for d in dates[reached + 1:]), card.number
        present = [d for d in dates if d is not None]
        assert present == sorted(present), card.number
        assert card.issued_at >= card.family.decided_at
        if card.stage != "issued":
            assert card.batch and card.batch.created_at <= card.printed_at <= card.batch.finished_at
        if card.dispatch_id:
            assert card.dispatch.office_id == card.office_id and card.dispatch.batch_id == card.batch_id
            assert card.dispatched_at == card.dispatch.created_at
            assert card.received_at == card.dispatch.received_at
        if card.first_self_printed_at:
            assert card.first_self_printed_at >= card.issued_at
        if card.state != "active":
            assert card.state_changed_at >= card.issued_at and card.reason


def test_cards_reach_every_stage(population):
    stages = set(Card.objects.values_list("stage", flat=True))
    assert set(STAGES) <= stages
    assert Card.objects.filter(state="replaced", replaced_by__isnull=False).exists()
    assert CardPrint.objects.filter(kind="self").exists()
    printed = Card.objects.exclude(stage="issued").count()
    assert CardPrint.objects.filter(kind="batch").count() == printed
    for batch in PrintBatch.objects.all():
        assert batch.status == "done" and batch.card_count == batch.cards.count()
    assert Dispatch.objects.filter(received_at__isnull=False).exists()


def test_card_numbers_pass_the_check_digit_and_qr_payloads_verify(population):
    public = keyring().public_keys()
    for card in Card.objects.all():
        assert verhoeff_valid(card.number[2:])
        assert card.number == Card.number_for(card.pk, timezone.localdate(card.issued_at).year)
        payload = qr.verify(card.qr_payload, public)
        assert payload.number == card.number and payload.year_of_birth == card.date_of_birth.year
        assert card.photo_id == card.member.photo_id


def test_cards_waiting_to_print_carry_their_encoded_qr_as_issued_cards_do(population):
    from portal.cards.pdf import pack_modules

    waiting = Card.objects.filter(stage__in=["issued", "in_batch"])
    assert waiting.count() > 10
    for card in waiting:
        assert card.qr_modules == pack_modules(card.qr_payload)
    assert not Card.objects.exclude(stage__in=["issued", "in_batch"]).exclude(qr_modules="").exists()


def test_a_beneficiary_opens_their_cards_and_nothing_is_reissued(population, client):
    family = Family.objects.filter(status=Status.VERIFIED, cards__stage="handed_over").first()
    before = Card.objects.count()
    client.force_login(family.user)
    assert client.get("/my/").status_code == 200
    response = client.get("/my/cards/")
    assert response.status_code == 200
    html = response.content.decode()
    for card in Card.objects.filter(family=family, state="active"):
        assert card.number in html
    assert Card.objects.count() == before


def test_the_generator_signs_exactly_as_the_cards_app_does():
    import datetime
    from types import SimpleNamespace

    from portal.synthetic.cards import Signer

    signer = Signer()
    for pk, issued in ((1, 1_767_205_800), (123456, 1_767_205_799), (99_999_999, 1_700_000_000)):
        card = SimpleNamespace(pk=pk, issued_at=datetime.datetime.fromtimestamp(issued, datetime.timezone.utc),
                               name_en="Sunita Devi", date_of_birth=datetime.date(1980, 5, 1), relation="spouse",
                               ward="semi_private")
        cards.sign_card(card)
        assert signer.sign(pk, issued, "Sunita Devi", datetime.date(1980, 5, 1), "spouse", "semi_private") == (
            card.number, card.key_id, card.qr_payload)
