from django.urls import path

from . import views
from . import views_targets as targets

app_name = "reports"
urlpatterns = [
    path("reports/", views.home, name="home"),
    path("reports/reviews/", views.reviews, name="reviews"),
    path("reports/reminders/", views.reminders, name="reminders"),
    path("reports/targets/", targets.targets, name="targets"),
    path("reports/targets/template.csv", targets.targets_template, name="targets_template"),
    path("reports/snapshots/", views.snapshots, name="snapshots"),
    path("reports/snapshots/<str:period>/regenerate/", views.regenerate, name="regenerate"),
    path("reports/<str:scope>/", views.dashboard, name="dashboard"),
    path("reports/<str:scope>/fortnight/", views.report, name="report"),
    path("reports/<str:scope>/fortnight/<str:period>/review/", views.review, name="review"),
    path("reports/<str:scope>/fortnight/<str:period>.<slug:fmt>", views.export, name="export"),
]
