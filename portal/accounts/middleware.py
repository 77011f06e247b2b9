from django.shortcuts import redirect
from django.urls import reverse

# Pages a user with a one-time password may still open.
_ALLOWED = ("accounts:password_change", "accounts:logout", "web:set_language")


class PasswordChangeRequiredMiddleware:
    """Until an officer replaces the password that came by SMS, every page leads to
    the change-password form."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password and user.is_officer:
            if self._allowed is None:
                self._allowed = {reverse(name) for name in _ALLOWED}
            if request.path not in self._allowed and not request.path.startswith("/static/"):
                return redirect("accounts:password_change")
        return self.get_response(request)
