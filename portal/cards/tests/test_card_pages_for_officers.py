"""The officers' pages: suspension, reactivation and a new card for a lost one from the card's
page (a refused move is a message, not an error page); the state cell's batch and dispatch
pages; the DDO/TO's desk receiving cards and handing them over."""

import datetime
import uuid

import pytest

from portal.audit.models import Event
from portal.cards import batches
from portal.cards.models import Card, PrintBatch, Stage, State
from portal.cards.services import issue_cards

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(family, system):
    issue_cards(family=family, actor=system)
    return Card.objects.filter(family=family).order_by("id").first()


def test_the_ddo_suspends_reactivates_and_replaces_a_card_each_with_a_reason(login, ddo, card):
    client = login(ddo)
    assert client.get(f"/cards/{card.number}/").status_code == 200
    response = client.post(f"/cards/{card.number}/suspend/",
                           {"suspend-kind": "dismissed", "suspend-details": "Order 12/2026"}, follow=True)
    card.refresh_from_db()
    assert card.state == State.SUSPENDED and "Order 12/2026" in card.reason
    assert "कार्ड निलंबित कर दिया गया है" in response.content.decode()
    # A refused move (suspending a suspended card) is a clear message, not a server error.
    again = client.post(f"/cards/{card.number}/suspend/",
                        {"suspend-kind": "dismissed", "suspend-details": "again"}, follow=True)
    assert again.status_code == 200 and "निलंबित" in again.content.decode()
    assert Event.objects.filter(action="cards.card.suspended", target_id=str(card.pk)).count() == 1
    client.post(f"/cards/{card.number}/reactivate/", {"reactivate-details": "Reinstated by order 14/2026"})
    card.refresh_from_db()
    assert card.state == State.ACTIVE and "Reinstated" in card.reason
    response = client.post(f"/cards/{card.number}/replace/", {"replace-kind": "lost", "replace-details": "FIR 55"})
    card.refresh_from_db()
    new = card.replaced_by
    assert card.state == State.REPLACED and new.state == State.ACTIVE and response.url == f"/cards/{new.number}/"
    missing = client.post(f"/cards/{new.number}/suspend/", {"suspend-kind": "dismissed"}, follow=True)
    assert Card.objects.get(pk=new.pk).state == State.ACTIVE and missing.status_code == 200  # no details: refused


def test_the_state_cell_starts_a_batch_watches_it_and_downloads_its_files(login, users, card, settings):
    settings.CARD_BATCH_PART_SIZE = 4
    client = login(users["state"])
    page = client.get("/state/cards/batches/")
    assert page.status_code == 200 and page.context["summary"]["cards"] == 3
    token = str(uuid.uuid4())
    response = client.post("/state/cards/batches/new/", {"limit": "100", "token": token})
    batch = PrintBatch.objects.get()
    assert response.url == f"/state/cards/batches/{batch.number}/"
    client.post("/state/cards/batches/new/", {"limit": "100", "token": token})  # posted twice: one batch
    assert PrintBatch.objects.count() == 1
    batches.produce_batch(batch.pk)  # what the eager task does after the commit
    detail = client.get(f"/state/cards/batches/{batch.number}/")
    assert detail.status_code == 200 and "Refresh" not in detail
    part = client.get(f"/state/cards/batches/{batch.number}/parts/1.pdf")
    assert part["Content-Type"] == "application/pdf" and b"".join(part.streaming_content).startswith(b"%PDF")
    manifest = b"".join(client.get(f"/state/cards/batches/{batch.number}/manifest.csv").streaming_content)
    assert card.number.encode() in manifest
    assert client.get(f"/state/cards/batches/{batch.number}/manifest.xlsx").status_code == 200
    assert client.get(f"/state/cards/batches/{batch.number}/progress.json").json()["percent"] == 100
    empty = client.post("/state/cards/batches/new/", {"limit": "100", "token": str(uuid.uuid4())}, follow=True)
    assert "कोई कार्ड तैयार नहीं" in empty.content.decode()


def test_a_running_batch_page_refreshes_itself(login, users, card):
    batch = batches.create_batch(actor=__import__("portal.audit.services", fromlist=["Actor"]).Actor(
        user=users["state"], role="state"), filters={}, limit=10, token=uuid.uuid4())
    response = login(users["state"]).get(f"/state/cards/batches/{batch.number}/")
    assert response["Refresh"] == "5" and "<progress" in response.content.decode()


def test_dispatch_then_the_ddo_receives_and_hands_over_at_the_desk(login, users, ddo, ddo_office, card, phone):
    from portal.audit.services import Actor

    batch = batches.create_batch(actor=Actor(user=users["state"], role="state"), filters={}, limit=10,
                                 token=uuid.uuid4())
    batches.produce_batch(batch.pk)
    state = login(users["state"])
    listing = state.get("/state/cards/dispatch/")
    assert ddo_office.name_hi in listing.content.decode()
    today = datetime.date.today().isoformat()
    prefix = f"o{ddo_office.pk}"
    state.post(f"/state/cards/dispatch/{ddo_office.code}/", {f"{prefix}-reference": "SP118",
                                                            f"{prefix}-dispatched_on": today})
    assert Card.objects.filter(stage=Stage.DISPATCHED).count() == 3
    assert "SP118" in state.get("/state/cards/dispatches/").content.decode()

    desk = login(ddo)
    page = desk.get("/office/cards/")
    dispatch = page.context["incoming"][0]
    desk.post(f"/office/cards/dispatches/{dispatch.pk}/receive/", {"received_on": today})
    assert Card.objects.filter(stage=Stage.RECEIVED).count() == 3
    family = card.family
    assert "कार्ड" in phone.last(family.mobile)
    desk.post(f"/office/cards/families/{family.number}/otp/")
    form = desk.get(f"/office/cards/families/{family.number}/")
    assert form.status_code == 200
    numbers = [c.number for c in Card.objects.filter(family=family)]
    wrong = desk.post(f"/office/cards/families/{family.number}/",
                      {"cards": numbers, "handed_over_on": today, "otp": "111111"})
    assert wrong.status_code == 200 and "ओटीपी" in wrong.content.decode()
    assert not Card.objects.filter(stage=Stage.HANDED_OVER).exists()
    done = desk.post(f"/office/cards/families/{family.number}/",
                     {"cards": numbers, "handed_over_on": today, "otp": phone.otp(family.mobile)})
    assert done.status_code == 302
    assert Card.objects.filter(stage=Stage.HANDED_OVER, handover_acknowledged=True).count() == 3
    mine = login(family.user).get("/my/cards/").content.decode()
    assert "लाभार्थी को सौंपा गया" in mine or "Handed over" in mine
