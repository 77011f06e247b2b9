from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.audit.services import actor_from_request, record
from portal.notify.otp import OtpError
from portal.ratelimit import client_ip

from . import selectors, services
from .access import require_role
from .forms import (
    ContactChangeForm,
    ContactConfirmForm,
    LoginForm,
    OfficerAccountForm,
    OtpForm,
    PasswordChangeForm,
    ReasonForm,
    ResetCompleteForm,
    UserIdForm,
)
from .models import Role

_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _start_session(request, user) -> None:
    login(request, user, backend=_MODEL_BACKEND)
    request.session.cycle_key()


def login_view(request):
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.authenticate_officer(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"], ip=client_ip(request)
            )
        except services.AccountError as exc:
            form.add_error(None, exc.message)
        else:
            _start_session(request, user)
            if user.must_change_password:
                return redirect("accounts:password_change")
            return redirect("web:dashboard")
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record(actor=actor_from_request(request), action="auth.logout", target=request.user)
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("web:home")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(user=request.user, new_password=form.cleaned_data["new_password1"], ip=client_ip(request))
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("web:dashboard")
    forced = request.user.must_change_password
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced})


def _ask_for_otp(request, *, start, session_key: str, next_view: str, template: str):
    """User ID in, OTP out to the registered mobile; the answer is the same whether or not
    the user ID exists."""
    form = UserIdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        start(username=username, ip=client_ip(request))
        request.session[session_key] = username
        messages.info(request, _("If this user ID is registered, an OTP has been sent to its registered mobile number."))
        return redirect(next_view)
    return render(request, template, {"form": form})


def password_reset(request):
    return _ask_for_otp(request, start=services.start_password_reset, session_key="reset_username",
                        next_view="accounts:password_reset_complete", template="accounts/password_reset.html")


def password_reset_complete(request):
    username = request.session.get("reset_username")
    if not username:
        return redirect("accounts:password_reset")
    form = ResetCompleteForm(None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_password_reset(
                username=username, code=form.cleaned_data["otp"],
                new_password=form.cleaned_data["new_password1"], ip=client_ip(request),
            )
        except OtpError as exc:
            form.add_error("otp", exc.message)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            del request.session["reset_username"]
            messages.success(request, _("Your password has been reset. Log in with the new password."))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_complete.html", {"form": form, "username": username})


def otp_login(request):
    return _ask_for_otp(request, start=services.start_otp_login, session_key="otp_login_username",
                        next_view="accounts:otp_login_verify", template="accounts/otp_login.html")


def otp_login_verify(request):
    username = request.session.get("otp_login_username")
    if not username:
        return redirect("accounts:otp_login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.complete_otp_login(username=username, code=form.cleaned_data["otp"], ip=client_ip(request))
        except OtpError as exc:
            form.add_error("otp", exc.message)
        else:
            _start_session(request, user)
            return redirect("web:dashboard")
    return render(request, "accounts/otp_login_verify.html", {"form": form, "username": username})


@login_required
def contact_change(request):
    form = ContactChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        old_unavailable = data["kind"] == "mobile" and data["old_unavailable"]
        try:
            services.start_contact_change(
                user=request.user, kind=data["kind"], new_value=data["new_value"], password=data["password"],
                old_unavailable=old_unavailable, ip=client_ip(request),
            )
        except (services.AccountError, OtpError) as exc:
            form.add_error("password" if getattr(exc, "code", "") == "password" else None, exc.message)
        else:
            request.session["contact_change"] = {
                "kind": data["kind"], "new_value": data["new_value"], "old_unavailable": old_unavailable,
            }
            return redirect("accounts:contact_confirm")
    return render(request, "accounts/contact_change.html", {"form": form})


@login_required
def contact_confirm(request):
    pending = request.session.get("contact_change")
    if not pending:
        return redirect("accounts:contact_change")
    need_old = pending["kind"] == "email" or not pending["old_unavailable"]
    form = ContactConfirmForm(request.POST or None, need_old=need_old)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_contact_change(
                user=request.user, kind=pending["kind"], new_value=pending["new_value"],
                new_code=form.cleaned_data["new_otp"], old_code=form.cleaned_data.get("old_otp", ""),
                old_unavailable=pending["old_unavailable"], ip=client_ip(request),
            )
        except OtpError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            del request.session["contact_change"]
            messages.success(request, _("Your contact details have been updated."))
            return redirect("web:dashboard")
    return render(request, "accounts/contact_confirm.html", {"form": form, "pending": pending, "need_old": need_old})


# --- state cell: officer accounts ---------------------------------------------------

@login_required
def user_list(request):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    role, q = request.GET.get("role", ""), request.GET.get("q", "")
    page = selectors.user_page(role=role, query=q, page_number=request.GET.get("page"))
    query = urlencode({k: v for k, v in {"role": role, "q": q}.items() if v})  # the pager keeps the search
    return render(request, "accounts/user_list.html", {"page": page, "roles": Role.choices, "role": role, "q": q,
                                                       "query": query})


@login_required
def user_create(request):
    require_role(request.user, Role.STATE)
    form = OfficerAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.create_user(
            actor=actor_from_request(request), role=data["role"], name_en=data["name_en"], name_hi=data["name_hi"],
            designation=data["designation"], mobile=data["mobile"], email=data["email"], language=data["language"],
            units=data["units"],
        )
        messages.success(request, _("Account %(u)s created. The user ID and password have been sent by SMS.") % {"u": user.username})
        return redirect("accounts:user_detail", username=user.username)
    return render(request, "accounts/user_create.html", {"form": form})


@login_required
def user_detail(request, username):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    user = selectors.user_for_staff_or_404(username)
    return render(request, "accounts/user_detail.html", {
        "account": user, "grants": selectors.grants_of(user), "events": selectors.login_events(user),
        "reason_form": ReasonForm(),
    })


@login_required
@require_POST
def user_action(request, username, action):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    user = selectors.user_for_staff_or_404(username)
    actor = actor_from_request(request)
    try:
        if action == "reset-password":
            services.issue_temporary_password(actor=actor, user=user)
            messages.success(request, _("A new one-time password has been sent to the user's registered mobile."))
        elif action == "unlock":
            services.unlock(actor=actor, user=user)
            messages.success(request, _("The account is unlocked."))
        elif action in {"deactivate", "activate"}:
            require_role(request.user, Role.STATE)
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give a reason."))
            else:
                services.set_active(actor=actor, user=user, active=action == "activate", reason=form.cleaned_data["reason"])
                messages.success(request, _("The account has been updated."))
    except services.AccountError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:user_detail", username=user.username)
