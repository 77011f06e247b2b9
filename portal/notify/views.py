from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from portal.fields import PortalForm, normalise_mobile

from .models import DemoInboxMessage


class InboxForm(PortalForm):
    to = forms.CharField(label=_("Mobile number or email address"), max_length=254)


def demo_inbox(request):
    """The demo's stand-in for a phone: what SMS/email a number or address received."""
    if not settings.DEMO_MODE:
        raise Http404
    form = InboxForm(request.GET or None)
    messages = []
    if form.is_valid():
        to = form.cleaned_data["to"].strip()
        lookup = {"to": to.lower()} if "@" in to else {"to": normalise_mobile(to)}  # as queued
        messages = list(DemoInboxMessage.objects.filter(**lookup)[:50])
    return render(request, "notify/demo_inbox.html", {"form": form, "inbox": messages})
