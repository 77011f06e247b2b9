from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("state/directory/", views.index, name="index"),
    path("state/directory/<slug:entity>/", views.record_list, name="list"),
    path("state/directory/<slug:entity>/new/", views.record_edit, name="create"),
    path("state/directory/<slug:entity>/import/", views.record_import, name="import"),
    path("state/directory/<slug:entity>/template.csv", views.import_template, name="template"),
    path("state/directory/<slug:entity>/<str:code>/edit/", views.record_edit, name="edit"),
]
