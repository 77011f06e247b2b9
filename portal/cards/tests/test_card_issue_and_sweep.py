"""Cards are issued by the cards app for verified families, idempotently, and follow the
family's changes: removed members' cards are suspended, corrected details give a new card."""

import pytest
from django.db import IntegrityError, transaction

from portal.audit.models import Event
from portal.audit.services import Actor
from portal.cards import qr
from portal.cards.keys import keyring
from portal.cards.models import Card, Stage, State
from portal.cards.services import CardError, families_needing_cards, issue_cards
from portal.cards.tasks import issue_cards_sweep
from portal.checkdigit import verhoeff_valid
from portal.enrolment import changes
from portal.enrolment.tests.conftest import photo_file
from .conftest import english

pytestmark = pytest.mark.django_db


def as_user(user) -> Actor:
    return Actor(user=user, role=user.role, label=user.username)


def test_a_verified_family_gets_one_signed_card_per_member_with_a_check_digit(family, system):
    result = issue_cards(family=family, actor=system)
    cards = list(Card.objects.filter(family=family).order_by("member_id"))
    assert len(result.new) == 3 and len(cards) == 3
    for card, member in zip(cards, family.members.order_by("id")):
        assert card.member == member and card.office == family.office and card.state == State.ACTIVE
        assert card.stage == Stage.ISSUED and card.photo_id == member.photo_id
        assert card.number.startswith("UP") and len(card.number) == 13 and verhoeff_valid(card.number[2:])
        assert card.name_hi == member.name_hi and card.aadhaar_last4 == member.aadhaar_last4
        payload = qr.verify(card.qr_payload, keyring().public_keys())
        assert payload.number == card.number and payload.year_of_birth == member.date_of_birth.year
        assert payload.relation == member.relation and payload.ward == family.ward
    assert Event.objects.filter(action="cards.card.issued").count() == 3


def test_issuing_again_changes_nothing(family, system):
    issue_cards(family=family, actor=system)
    again = issue_cards(family=family, actor=system)
    assert not again.changed and Card.objects.filter(family=family).count() == 3


def test_a_family_not_yet_verified_gets_no_card(make_family, system):
    submitted = make_family(stage="submitted")
    with pytest.raises(CardError) as refused:
        issue_cards(family=submitted, actor=system)
    assert "verified" in english(refused.value.message)
    assert not Card.objects.filter(family=submitted).exists()


def test_the_database_refuses_a_second_live_card_for_a_member(family, system):
    card = issue_cards(family=family, actor=system).new[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(member=card.member, family=family, office=family.office, issued_at=card.issued_at,
                            name_en="x", name_hi="x", relation="self", date_of_birth=card.date_of_birth,
                            gender="female", ward="general", kind="employee", aadhaar_last4="1234")


def test_the_sweep_issues_suspends_and_replaces_after_approved_changes(family, ddo, system):
    assert families_needing_cards() == [family.pk]
    assert issue_cards_sweep() == 1
    assert families_needing_cards() == []
    son = family.members.get(relation="son")
    spouse = family.members.get(relation="spouse")
    primary = family.members.get(relation="self")
    beneficiary = as_user(family.user)

    removal = changes.request_change(actor=beneficiary, family=family, type="remove", member=son,
                                     reason="Deceased on 02.11.2026")
    correction = changes.request_change(actor=beneficiary, family=family, type="correct", member=spouse,
                                        data={"name_en": "Ramesh Chandra Tiwari", "name_hi": "रमेश चन्द्र तिवारी"})
    from portal.enrolment.photos import save_photo

    new_photo = save_photo(photo_file(size=(400, 520), color=(10, 200, 30)))
    photo = changes.request_change(actor=beneficiary, family=family, type="photo", member=primary, photo=new_photo)
    for change in (removal, correction, photo):
        changes.decide_change(actor=as_user(ddo), change=change, approve=True)

    assert families_needing_cards() == [family.pk]
    issue_cards_sweep()
    son_card = Card.objects.get(member=son)
    assert son_card.state == State.SUSPENDED and "Deceased on 02.11.2026" in son_card.reason
    old, new = Card.objects.filter(member=spouse).order_by("id")
    assert old.state == State.REPLACED and new.state == State.ACTIVE and new.replaces == old
    assert new.name_en == "Ramesh Chandra Tiwari" and new.number != old.number
    assert "Details changed" in old.reason and "name" in old.reason
    old_photo, new_photo_card = Card.objects.filter(member=primary).order_by("id")
    assert old_photo.state == State.REPLACED and new_photo_card.photo == new_photo and "photo" in old_photo.reason
    assert families_needing_cards() == []
    assert issue_cards_sweep() == 0  # nothing left to do


def test_retirement_gives_pensioner_cards_and_a_transfer_moves_unprinted_cards(family, ddo, system, submitted):
    issue_cards(family=family, actor=system)
    treasury_office = submitted(stage="approved", kind="to", ddo_code="", mobile="9876500077").offices.get().office
    retirement = changes.request_retirement(actor=as_user(ddo), family=family, to_office=treasury_office,
                                            ppo_number="PPO123", retirement_date=family.created_at.date())
    from portal.enrolment.selectors import officer_of

    changes.decide_transfer(actor=as_user(officer_of(treasury_office)), transfer=retirement, accept=True)
    issue_cards_sweep()
    live = Card.objects.filter(family=family, state=State.ACTIVE)
    assert live.count() == 3 and all(c.kind == "pensioner" and c.office == treasury_office for c in live)
    assert Card.objects.filter(family=family, state=State.REPLACED).count() == 3
