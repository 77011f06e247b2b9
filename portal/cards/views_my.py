"""The beneficiary's card page (log-in with user ID + OTP): every member's card, its journey
to the office, and printing — one card or all of them, on A4 with cut marks or at card size."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import clock
from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.enrolment.selectors import family_of_beneficiary

from . import selectors, services
from .faces import face_for
from .models import Card, State
from .pdf import render_batch_part, render_card, render_sheet

LAYOUTS = {"a4", "card"}


def _family(request):
    require_role(request.user, Role.BENEFICIARY)
    family = family_of_beneficiary(request.user)
    if family is None:
        raise Http404
    return family


@login_required
def my_cards(request):
    family = _family(request)
    problem = None
    try:
        services.issue_cards(family=family, actor=actor_from_request(request))
    except services.CardError as exc:  # not verified (yet)
        problem = exc.message
    cards = selectors.family_cards(family)
    return render(request, "cards/my_cards.html", {
        "family": family, "problem": problem,
        "cards": [{"card": c, "stages": selectors.stages(c)} for c in cards],
        "printable": [c for c in cards if c.state == State.ACTIVE],
    })


def _pdf(cards: list[Card], layout: str, filename: str) -> HttpResponse:
    today = clock.today()
    faces = [face_for(c, self_printed_on=today) for c in cards]
    data = render_sheet(faces, title=filename) if layout == "a4" else _card_size(faces)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


def _card_size(faces) -> bytes:
    """Card-sized pages (for a card printer, or to keep on the phone): front, back, front, ..."""
    return render_card(faces[0]) if len(faces) == 1 else render_batch_part(faces, title="State Health Cards")


@login_required
@require_POST
def print_cards(request):
    """The PDF of one card (`card`=number) or of all the family's active cards."""
    family = _family(request)
    layout = request.POST.get("layout", "a4")
    if layout not in LAYOUTS:
        raise Http404
    cards = selectors.printable_family_cards(family)
    number = request.POST.get("card", "").strip().upper()
    if number:
        cards = [c for c in cards if c.number == number]
        if not cards:
            messages.error(request, _("This card cannot be printed: it is not one of your family's active cards."))
            return redirect("cards:my_cards")
    if not cards:
        messages.error(request, _("Your family has no active card to print."))
        return redirect("cards:my_cards")
    try:
        services.record_self_prints(actor=actor_from_request(request), cards=cards, layout=layout)
    except services.CardError as exc:
        messages.error(request, exc.message)
        return redirect("cards:my_cards")
    name = cards[0].number if number else f"{family.number}-cards"
    return _pdf(cards, layout, f"{name}-{layout}")
