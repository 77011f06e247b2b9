from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.accounts.models import Role


def home(request):
    return render(request, "web/home.html")


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in {"hi", "en"}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE, samesite="Lax",
        )
        if request.user.is_authenticated and request.user.language != language:
            get_user_model().objects.filter(pk=request.user.pk).update(language=language)
    return response


@login_required
def dashboard(request):
    """Each role starts from its own page."""
    role = request.user.role
    if role in {Role.DDO, Role.TO}:
        return redirect("ddo:officer_dashboard")
    if role in {Role.STATE, Role.HELPDESK}:
        return redirect("ddo:queue")
    if role in {Role.DISTRICT, Role.DIVISION, Role.DEPARTMENT}:
        return redirect("ddo:queue")
    return render(request, "web/dashboard.html")


def healthz(request):
    """Liveness: the process answers. Also the 'bare view' the benchmarks compare against."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request):
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"database": "down"}, status=503)
    return JsonResponse({"database": "ok"})
