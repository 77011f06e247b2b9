from django.urls import include, path

urlpatterns = [
    path("", include("portal.web.urls")),
    path("", include("portal.accounts.urls")),
    path("", include("portal.directory.urls")),
    path("", include("portal.ddo.urls")),
    path("", include("portal.enrolment.urls")),
    path("", include("portal.cards.urls")),
    path("", include("portal.reports.urls")),
    path("", include("portal.notify.urls")),
]

handler403 = "portal.web.errors.forbidden"
handler404 = "portal.web.errors.not_found"
handler500 = "portal.web.errors.server_error"
