from django.urls import path

from . import health, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set_language"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("state/messages/", views.outbox, name="outbox"),
    path("state/messages/requeue/", views.outbox_requeue, name="outbox_requeue"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
