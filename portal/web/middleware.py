from django.conf import settings
from django.utils import translation

from portal import clock
from portal.csp import CSP


class IdleSessionMiddleware:
    """Keeps a session alive while it is used: its expiry (SESSION_COOKIE_AGE after the last
    save) is pushed forward when it is older than SESSION_RENEW_SECONDS. Saving on every
    request would cost a database write per page for nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(clock.now().timestamp())
            # A session saved anyway (log-in, a form step) counts as renewed now.
            if session.modified or now - session.get("_renewed", 0) >= settings.SESSION_RENEW_SECONDS:
                session["_renewed"] = now
        return response


class LanguageMiddleware:
    """Hindi unless the visitor chose English with the switch on every page.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: most
    phones here say English even when their owner reads Hindi first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in {"hi", "en"}:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.headers.get("Vary", "")
        if "Cookie" not in patch:
            response.headers["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """CSP on every response; no caching of anything a view renders (personal data)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not request.path.startswith(settings.STATIC_URL):
            response.headers["Cache-Control"] = "no-store"
        return response
