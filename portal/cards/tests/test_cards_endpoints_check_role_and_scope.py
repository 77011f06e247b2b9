"""Every card URL opened by every role (see tests/endpoint_table.py): allowed (200/302), wrong
role (403), outside the user's scope (404), or sent to log in.

The world adds to `tests.endpoint_table.world`: cards for the verified families of the Lucknow
office (the DDO/TO/operator's, inside the district/division/department officers' scope) and of
the Agra office (outside it), in every stage: a finished print batch, one that failed, cards
printed and not sent, a dispatch on its way to each office, and cards received at Lucknow.
"""

import datetime
import uuid
from types import SimpleNamespace

import pytest

from portal.audit.services import Actor
from portal.cards import batches, delivery
from portal.cards.models import Card, CardPrint, Dispatch, PrintBatch, Stage, State
from portal.cards.services import issue_cards, suspend_card
from portal.enrolment.models import Family
from portal.notify.models import OneTimePassword
from tests.endpoint_table import Row, a_family, problems, refuses_get
from tests.endpoint_table import world  # noqa: F401  (the fixture this one builds on)

pytestmark = pytest.mark.django_db
LUCKNOW = "CMO Office Lucknow"


def _batch(actor, families) -> PrintBatch:
    for family in families:
        issue_cards(family=family, actor=actor)
    return batches.create_batch(actor=actor, filters={}, limit=100, token=uuid.uuid4())


@pytest.fixture
def cards_world(world, offices):
    state = Actor(user=world.users["state"], role="state", label="state")
    ddo = Actor(user=world.users["ddo"], role="ddo", label="ddo")
    today = datetime.date.today()
    fver, fagra = Family.objects.get(number=world.fver), Family.objects.get(number=world.fagra_ver)
    done = _batch(state, [fver, fagra])  # finished: received at Lucknow, on its way to Agra
    batches.produce_batch(done.pk)
    received = delivery.dispatch_cards(actor=state, office=offices["lucknow"], reference="D1", dispatched_on=today)
    delivery.receive_dispatch(actor=ddo, dispatch=received, received_on=today)
    to_agra = delivery.dispatch_cards(actor=state, office=offices["agra"], reference="D2", dispatched_on=today)
    on_the_way = a_family(offices["lucknow"], 51, stage="verified")
    batches.produce_batch(_batch(state, [on_the_way]).pk)
    to_lucknow = delivery.dispatch_cards(actor=state, office=offices["lucknow"], reference="D3", dispatched_on=today)
    printed = a_family(offices["lucknow"], 52, stage="verified", son=62)
    batches.produce_batch(_batch(state, [printed]).pk)
    suspended = suspend_card(actor=state, card=Card.objects.get(family=printed, member__relation="son"),
                             reason="Married")
    failed = _batch(state, [a_family(offices["lucknow"], 53, stage="verified")])
    PrintBatch.objects.filter(pk=failed.pk).update(status=PrintBatch.Status.FAILED, error="OSError: disk full")
    a_family(offices["lucknow"], 54, stage="verified")  # cards issued when the next batch starts
    card = Card.objects.get(family=fver, member__relation="self")
    return SimpleNamespace(
        **vars(world), card=card.number, agra_card=Card.objects.get(family=fagra, member__relation="self").number,
        suspended=suspended.number, batch=done.number, failed_batch=failed.number, to_lucknow=to_lucknow.pk,
        to_agra=to_agra.pk, agra_office=offices["agra"].code, lucknow_office=offices["lucknow"].code,
    )


def state_of(attr):
    return lambda w: Card.objects.get(number=getattr(w, attr)).state


def batch_status(attr):
    return lambda w: PrintBatch.objects.get(number=getattr(w, attr)).status


def received_at(attr):
    return lambda w: Dispatch.objects.get(pk=getattr(w, attr)).received_at


def handed_over_at_lucknow():
    return {"cards": list(Card.objects.filter(office__name_en=LUCKNOW, stage=Stage.RECEIVED, state=State.ACTIVE)
                          .values_list("number", flat=True)), "handed_over_on": datetime.date.today().isoformat()}


def dispatch_post():
    return {"reference": "D9", "dispatched_on": datetime.date.today().isoformat()}


def reason(action):
    return {f"{action}-kind": "other", f"{action}-details": "Checked by the office"}


# fmt: off
ROWS = [
    #   route                       URL                                                  anon state help ddo  to   oper dist divn dept benf hosp
    # --- anyone: check a card, fetch the public keys; the photo only for hospitals and officers in scope (and the family) -----
    Row("cards:verify",             "/cards/verify/?q={card}",                           "200 200 200 200 200 200 200 200 200 200 200"),
    Row("cards:keys",               "/cards/keys/",                                      "200 200 200 200 200 200 200 200 200 200 200"),
    Row("cards:photo",              "/cards/{card}/photo.jpg",                           "404 200 200 200 200 200 200 200 200 200 200"),
    Row("cards:photo",              "/cards/{agra_card}/photo.jpg",                      "404 200 200 404 404 404 404 404 404 404 200"),
    # --- the beneficiary's own cards ------------------------------------------------------------------------------------------
    Row("cards:my_cards",           "/my/cards/",                                        "LOG 403 403 403 403 403 403 403 403 200 403"),
    Row("cards:print",              "/my/cards/print/",                                  "LOG 403 403 403 403 403 403 403 403 200 403",
        post={"layout": "a4"}, keeps=lambda w: CardPrint.objects.filter(kind="self").count()),
    # --- officers: the card list and a card's page, within their scope; DDO/TO and the state cell act on cards --------------
    Row("cards:list",               "/cards/",                                           "LOG 200 200 200 200 403 200 200 200 403 403"),
    Row("cards:card",               "/cards/{card}/",                                    "LOG 200 200 200 200 403 200 200 200 403 403"),
    Row("cards:card",               "/cards/{agra_card}/",                               "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("cards:card_action",        "/cards/{card}/suspend/",                            "LOG 302 403 302 302 403 403 403 403 403 403",
        post=reason("suspend"), keeps=state_of("card")),
    Row("cards:card_action",        "/cards/{agra_card}/suspend/",                       "LOG 302 403 404 404 403 403 403 403 403 403",
        post=reason("suspend"), keeps=state_of("agra_card")),
    Row("cards:card_action",        "/cards/{card}/replace/",                            "LOG 302 403 302 302 403 403 403 403 403 403",
        post=reason("replace"), keeps=state_of("card")),
    Row("cards:card_action",        "/cards/{suspended}/reactivate/",                    "LOG 302 403 302 302 403 403 403 403 403 403",
        post={"reactivate-details": "Order withdrawn"}, keeps=state_of("suspended")),
    # --- the DDO/TO's delivery desk: their own office's dispatches and families ------------------------------------------------
    Row("cards:desk",               "/office/cards/",                                    "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("cards:receive",            "/office/cards/dispatches/{to_lucknow}/receive/",    "LOG 403 403 302 302 403 403 403 403 403 403",
        post=lambda: {"received_on": datetime.date.today().isoformat()}, keeps=received_at("to_lucknow")),
    Row("cards:receive",            "/office/cards/dispatches/{to_agra}/receive/",       "LOG 403 403 404 404 403 403 403 403 403 403",
        post=lambda: {"received_on": datetime.date.today().isoformat()}, keeps=received_at("to_agra")),
    Row("cards:handover",           "/office/cards/families/{fver}/",                    "LOG 403 403 200 200 403 403 403 403 403 403"),
    Row("cards:handover",           "/office/cards/families/{fagra_ver}/",               "LOG 403 403 404 404 403 403 403 403 403 403"),
    Row("cards:handover",           "/office/cards/families/{fver}/",                    "LOG 403 403 302 302 403 403 403 403 403 403",
        post=handed_over_at_lucknow, keeps=lambda w: Card.objects.filter(stage=Stage.HANDED_OVER).count()),
    Row("cards:handover_otp",       "/office/cards/families/{fver}/otp/",                "LOG 403 403 302 302 403 403 403 403 403 403",
        post={}, keeps=lambda w: OneTimePassword.objects.filter(purpose__startswith="cards.handover").count()),
    Row("cards:handover_otp",       "/office/cards/families/{fagra_ver}/otp/",           "LOG 403 403 404 404 403 403 403 403 403 403",
        post={}, keeps=lambda w: OneTimePassword.objects.filter(purpose__startswith="cards.handover").count()),
    # --- the state cell: print batches and dispatch (the helpdesk may read the dispatch register) ------------------------------
    Row("cards:batches",            "/state/cards/batches/",                             "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("cards:batch_new",          "/state/cards/batches/new/",                         "LOG 302 403 403 403 403 403 403 403 403 403",
        post=lambda: {"limit": "50", "token": str(uuid.uuid4())}, keeps=lambda w: PrintBatch.objects.count()),
    Row("cards:batch",              "/state/cards/batches/{batch}/",                     "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("cards:batch_progress",     "/state/cards/batches/{batch}/progress.json",        "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("cards:batch_file",         "/state/cards/batches/{batch}/parts/1.pdf",          "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("cards:batch_manifest",     "/state/cards/batches/{batch}/manifest.csv",         "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("cards:batch_manifest",     "/state/cards/batches/{batch}/manifest.xlsx",        "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("cards:batch_action",       "/state/cards/batches/{failed_batch}/resume/",             "LOG 302 403 403 403 403 403 403 403 403 403",
        post={}, keeps=batch_status("failed_batch")),
    Row("cards:batch_action",       "/state/cards/batches/{failed_batch}/cancel/",             "LOG 302 403 403 403 403 403 403 403 403 403",
        post={}, keeps=batch_status("failed_batch")),
    Row("cards:dispatch",           "/state/cards/dispatch/",                            "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("cards:dispatch_office",    "/state/cards/dispatch/{lucknow_office}/",           "LOG 302 403 403 403 403 403 403 403 403 403",
        post=dispatch_post, keeps=lambda w: Card.objects.filter(stage=Stage.DISPATCHED).count()),
    Row("cards:dispatch_register",  "/state/cards/dispatches/",                          "LOG 200 200 403 403 403 403 403 403 403 403"),
]
# fmt: on


def test_every_card_route_answers_each_role_as_the_table_says(cards_world):
    """All rows against one world (each request is rolled back, so rows cannot see each
    other's effects): building this world takes seconds, and there are 30-odd rows."""
    found = [f"{'GET' if row.post is None else 'POST'} {row.url}: {problem}"
             for row in ROWS for problem in problems(cards_world, row)]
    assert not found, "\n".join(found)


def test_every_card_action_refuses_get_and_changes_nothing(cards_world):
    actions = [row for row in ROWS if row.post is not None and row.name != "cards:handover"]  # its GET is the form
    assert [row.url for row in actions if not refuses_get(cards_world, row)] == []
