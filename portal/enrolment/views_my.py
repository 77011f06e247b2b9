"""The employee's or pensioner's own pages after verification (log-in with user ID + OTP)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request

from . import changes as change_services
from . import selectors
from .forms import AddMemberForm, CorrectMemberForm, MemberPhotoForm, RemoveMemberForm
from .models import ChangeRequest, Member, Relation
from .services import EnrolmentError


def _mine(request):
    require_role(request.user, Role.BENEFICIARY)
    family = selectors.family_of_beneficiary(request.user)
    if family is None:
        raise Http404
    return family


@login_required
def my_family(request):
    family = _mine(request)
    return render(request, "enrolment/my_family.html", {
        "family": family, "members": selectors.members(family), "changes": family.changes.all()[:20],
        "transfers": family.transfers.all()[:5], "types": ChangeRequest.Type.choices,
    })


@login_required
def change_new(request, type: str):
    family = _mine(request)
    if type not in ChangeRequest.Type.values:
        raise Http404
    members = Member.objects.filter(family=family, active=True)
    if type == ChangeRequest.Type.ADD:
        form = AddMemberForm(request.POST or None, request.FILES or None)
    elif type == ChangeRequest.Type.REMOVE:
        form = RemoveMemberForm(request.POST or None, members=members.exclude(relation=Relation.SELF))
    elif type == ChangeRequest.Type.CORRECT:
        form = CorrectMemberForm(request.POST or None, members=members)
    else:
        form = MemberPhotoForm(request.POST or None, request.FILES or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            change_services.request_change(
                actor=actor_from_request(request), family=family, type=type, member=data.pop("member", None),
                data=data, aadhaar=form.aadhaar_value() if type == ChangeRequest.Type.ADD else None,
                # required for a new photo, optional with an added member
                photo_upload=data.pop("photo", None) or None, reason=data.get("reason", ""),
            )
        except ValidationError as exc:
            form.add_error("photo", exc)
        except EnrolmentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your request has been sent to your DDO/TO."))
            return redirect("enrolment:my_family")
    return render(request, "enrolment/change_new.html", {"form": form, "family": family,
                                                         "type_label": ChangeRequest.Type(type).label})
