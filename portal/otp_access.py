"""Opening an application with its number and an OTP sent to the mobile it gives.

The DDO/TO registration and the Employee Gateway work alike: a browser may open an
application it created (a draft) or one it proved with an OTP. Which ones is kept in the
session (which ends after 30 minutes idle)."""

from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.audit.services import actor_from_request
from portal.notify.otp import OtpError
from portal.ratelimit import client_ip


@dataclass(frozen=True)
class OtpAccess:
    key: str  # session key prefix
    find: Callable  # number -> object or None
    send: Callable  # (obj, ip) -> None; may raise OtpError
    verify: Callable  # (obj, code, actor) -> None; may raise OtpError
    number_form: type
    otp_form: type
    not_found: object  # a lazy translation: the answer to an unknown number
    access_template: str
    verify_template: str
    context_name: str  # how the verify template calls the object
    access_view_name: str
    verify_view_name: str
    open_view_name: str  # where an opened application is shown (takes number=)

    # --- which applications this browser may open ----------------------------------------

    def allows(self, request, number: str) -> bool:
        return number.upper() in request.session.get(self.key, [])

    def allow(self, request, number: str) -> None:
        allowed = request.session.get(self.key, [])
        if number not in allowed:
            request.session[self.key] = allowed[-9:] + [number]

    def forget(self, request, number: str) -> None:
        request.session[self.key] = [n for n in request.session.get(self.key, []) if n != number]

    def await_otp(self, request, number: str) -> None:
        """After submission: the application opens again only with the OTP just sent."""
        self.forget(request, number)
        request.session[f"{self.key}_pending"] = number

    def awaiting(self, request, number: str) -> bool:
        return request.session.get(f"{self.key}_pending") == number.upper()

    def _pending(self, request):
        number = request.session.get(f"{self.key}_pending")
        return self.find(number) if number else None

    # --- the three pages ----------------------------------------------------------------------

    def access_view(self, request):
        """Come back later or check the status: the application number, then an OTP."""
        form = self.number_form(request.POST or None, initial={"number": request.GET.get("number", "")})
        if request.method == "POST" and form.is_valid():
            obj = self.find(form.cleaned_data["number"])
            if obj is None:
                form.add_error("number", self.not_found)
            else:
                try:
                    self.send(obj, client_ip(request))
                except OtpError as exc:
                    if exc.code != "cooldown":  # within the wait, the OTP already sent still works
                        form.add_error(None, exc.message)
                        return render(request, self.access_template, {"form": form})
                    messages.warning(request, exc.message)
                request.session[f"{self.key}_pending"] = obj.number
                return redirect(self.verify_view_name)
        return render(request, self.access_template, {"form": form})

    def verify_view(self, request):
        obj = self._pending(request)
        if obj is None:
            return redirect(self.access_view_name)
        form = self.otp_form(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self.verify(obj, form.cleaned_data["otp"], actor_from_request(request))
            except OtpError as exc:
                form.add_error("otp", exc.message)
            else:
                del request.session[f"{self.key}_pending"]
                self.allow(request, obj.number)
                return redirect(self.open_view_name, number=obj.number)
        return render(request, self.verify_template, {
            "form": form, self.context_name: obj, "masked_mobile": "XXXXXX" + obj.mobile[-4:],
        })

    def resend_view(self, request):
        obj = self._pending(request)
        if obj is None:
            return redirect(self.access_view_name)
        try:
            self.send(obj, client_ip(request))
            messages.success(request, _("A new OTP has been sent."))
        except OtpError as exc:
            messages.error(request, exc.message)
        return redirect(self.verify_view_name)

    def urls(self, prefix: str, names: tuple[str, str, str]) -> list:
        from django.urls import path

        return [
            path(f"{prefix}", self.access_view, name=names[0]),
            path(f"{prefix}otp/", self.verify_view, name=names[1]),
            path(f"{prefix}otp/resend/", require_POST(self.resend_view), name=names[2]),
        ]
