"""Officers' card pages: the card list and a card's page with its life-cycle actions
(DDO/TO of the card's office and the state cell), and the DDO/TO's delivery desk:
receiving dispatches and handing cards over to beneficiaries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.notify.otp import OtpError
from portal.ratelimit import client_ip

from . import delivery, selectors, services
from .forms import REPLACE_REASONS, SUSPEND_REASONS, CardActionForm, CardFilterForm, HandoverForm, ReceiveForm
from .models import State

VIEWERS = (Role.STATE, Role.HELPDESK, Role.DDO, Role.TO, Role.DISTRICT, Role.DIVISION, Role.DEPARTMENT)
ACTORS = (Role.STATE, Role.DDO, Role.TO)
DESK = (Role.DDO, Role.TO)
ACTIONS = {
    "suspend": (SUSPEND_REASONS, services.suspend_card, gettext_lazy("The card is suspended.")),
    "reactivate": (None, services.reactivate_card, gettext_lazy("The card is active again.")),
    "replace": (REPLACE_REASONS, services.replace_card,
                gettext_lazy("A new card has been issued; the old card is replaced.")),
}


@login_required
def card_list(request):
    require_role(request.user, *VIEWERS)
    form = CardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.card_page(request.user, filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cards/card_list.html", {"form": form, "page": page, "query": query.urlencode()})


def _action_forms(card):
    forms = {}
    if card.state == State.ACTIVE:
        forms["suspend"] = CardActionForm(prefix="suspend", choices=SUSPEND_REASONS)
        forms["replace"] = CardActionForm(prefix="replace", choices=REPLACE_REASONS)
    elif card.state == State.SUSPENDED:
        forms["reactivate"] = CardActionForm(prefix="reactivate")
    return forms


@login_required
def card_detail(request, number: str):
    require_role(request.user, *VIEWERS)
    card = selectors.card_or_404(request.user, number)
    can_act = request.user.role in ACTORS
    return render(request, "cards/card_detail.html", {
        "card": card, "stages": selectors.stages(card), "history": selectors.history(card),
        "prints": card.prints.select_related("by", "batch").order_by("-at")[:20],
        "honoured": services.honoured(card), "forms": _action_forms(card) if can_act else {},
    })


@login_required
@require_POST
def card_action(request, number: str, action: str):
    require_role(request.user, *ACTORS)
    card = selectors.card_or_404(request.user, number)
    if action not in ACTIONS:
        raise Http404
    choices, service, done = ACTIONS[action]
    form = CardActionForm(request.POST, prefix=action, choices=choices)
    if not form.is_valid():
        messages.error(request, _("Choose the reason and write the details."))
        return redirect("cards:card", number=card.number)
    try:
        result = service(actor=actor_from_request(request), card=card, reason=form.reason())
    except services.CardError as exc:
        messages.error(request, exc.message)
        return redirect("cards:card", number=card.number)
    messages.success(request, done)
    return redirect("cards:card", number=result.number)


# --- the DDO/TO's delivery desk ------------------------------------------------------------------

@login_required
def desk(request):
    require_role(request.user, *DESK)
    dispatches = selectors.dispatches_for(request.user)
    return render(request, "cards/desk.html", {
        "incoming": selectors.with_card_totals(dispatches.filter(received_at__isnull=True)),
        "received": selectors.with_card_totals(dispatches.filter(received_at__isnull=False)[:20]),
        "families": selectors.awaiting_handover(request.user), "receive_form": ReceiveForm(),
    })


@login_required
@require_POST
def receive(request, pk: int):
    require_role(request.user, *DESK)
    dispatch = selectors.dispatch_or_404(request.user, pk)
    form = ReceiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the cards were received (not in the future)."))
        return redirect("cards:desk")
    try:
        count = delivery.receive_dispatch(actor=actor_from_request(request), dispatch=dispatch,
                                          received_on=form.cleaned_data["received_on"])
    except services.CardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ngettext(
            "%(n)d card received; each family has been told by SMS to collect its cards.",
            "%(n)d cards received; each family has been told by SMS to collect its cards.", count) % {"n": count})
    return redirect("cards:desk")


@login_required
def handover(request, number: str):
    require_role(request.user, *DESK)
    family = selectors.office_family_or_404(request.user, number)
    cards = selectors.received_cards(request.user, family)
    form = HandoverForm(request.POST or None, cards=cards)
    if request.method == "POST" and form.is_valid():
        chosen = [c for c in cards if c.number in form.cleaned_data["cards"]]
        try:
            count = delivery.hand_over(actor=actor_from_request(request), family=family, cards=chosen,
                                       handed_over_on=form.cleaned_data["handed_over_on"],
                                       otp=form.cleaned_data.get("otp", ""))
        except OtpError as exc:
            form.add_error("otp", exc.message)
        except services.CardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, ngettext("%(n)d card handed over.", "%(n)d cards handed over.", count)
                             % {"n": count})
            return redirect("cards:desk")
    return render(request, "cards/handover.html", {"family": family, "form": form, "cards": cards,
                                                   "masked_mobile": "XXXXXX" + family.mobile[-4:]})


@login_required
@require_POST
def handover_otp(request, number: str):
    require_role(request.user, *DESK)
    family = selectors.office_family_or_404(request.user, number)
    try:
        delivery.send_handover_otp(family=family, ip=client_ip(request))
    except OtpError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("An OTP has been sent to the beneficiary's mobile XXXXXX%(last4)s.")
                         % {"last4": family.mobile[-4:]})
    return redirect("cards:handover", number=family.number)
