"""Pages anyone may open: checking a card, and the public keys for checking offline."""

import base64

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role
from portal.audit.services import actor_from_request, record
from portal.ratelimit import client_ip, hit

from . import qr, selectors
from .forms import VerifyForm
from .keys import keyring, pem_public
from .models import State
from .verification import check


def _limited(request) -> bool:
    """Hospitals and officers check many cards a day; everyone else is rate-limited per address."""
    user = request.user
    if user.is_authenticated and user.role in selectors.DETAIL_ROLES:
        return False
    return not hit("card-verify", client_ip(request), limit=settings.CARD_VERIFY_RATE_PER_IP, window_seconds=3600)


def verify(request):
    """Scan (a scanner types the QR's text into the box) or type a card number. The public
    sees only whether the card is valid and its status; a hospital or an officer also sees
    the photo and the details."""
    form = VerifyForm(request.GET or None)
    result, details = None, False
    if request.GET and form.is_valid():
        if _limited(request):
            form.add_error("q", _("Too many cards checked from this network. Please try again in an hour."))
        else:
            result = check(form.cleaned_data["q"])
            details = bool(result.card) and selectors.may_see_details(request.user, result.card)
            if details:
                record(actor=actor_from_request(request), action="cards.card.checked", target=result.card,
                       details={"status": result.status, "qr": result.from_qr})
    card = result.card if details else None
    return render(request, "cards/verify.html", {
        "form": form, "result": result, "details": details, "card": card,
        # Only a replaced card has a replacement: one query then, none for the others.
        "replacement": getattr(card, "replaced_by", None) if card and card.state == State.REPLACED else None,
    })


def card_photo(request, number: str):
    """The photo printed on the card, for the verify page (hospital, officers in scope) and
    the beneficiary's own card page."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    card = selectors.find_card(number)
    if card is None or not card.photo_id:
        raise Http404
    own = user.role == Role.BENEFICIARY and card.family.user_id == user.pk
    if not own and not selectors.may_see_details(user, card):
        raise Http404
    return FileResponse(card.photo.file.open("rb"), content_type="image/jpeg")


def public_keys(request):
    """Every key that ever signed cards (the first signs new ones): checked offline by hospitals."""
    ring = keyring()
    keys = [{"id": key_id, "algorithm": "Ed25519", "public_key": base64.b64encode(raw).decode(),
             "public_key_pem": pem_public(ring.keys[key_id]), "signs_new_cards": key_id == ring.current}
            for key_id, raw in ring.public_keys().items()]
    response = JsonResponse({"format": qr.TAG, "verify_page": f"{settings.SITE_URL}/cards/verify/", "keys": keys},
                            json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # hospital software may fetch it from anywhere
    return response
