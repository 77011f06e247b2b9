from django.urls import path

from . import views_officer, views_public, views_state

app_name = "ddo"
urlpatterns = [
    path("ddo/register/", views_public.register, name="register"),
    *views_public.ACCESS.urls("ddo/access/", ("access", "access_verify", "access_resend")),
    path("ddo/application/<str:number>/", views_public.application_detail, name="application"),
    path("ddo/application/<str:number>/edit/", views_public.edit, name="edit"),
    path("ddo/application/<str:number>/offices/", views_public.offices, name="offices"),
    path("ddo/application/<str:number>/offices/<int:office_id>/remove/", views_public.remove_office, name="remove_office"),
    path("ddo/application/<str:number>/submit/", views_public.submit, name="submit"),
    path("ddo/application/<str:number>/form.pdf", views_public.form_pdf, name="form_pdf"),
    path("ddo/application/<str:number>/scan/", views_public.upload_scan, name="upload_scan"),
    path("ddo/application/<str:number>/resubmit/", views_public.resubmit, name="resubmit"),
    path("ddo/dashboard/", views_officer.dashboard, name="officer_dashboard"),
    path("ddo/handover/", views_officer.handover_start, name="handover_start"),
    path("ddo/handover/confirm/", views_officer.handover_confirm, name="handover_confirm"),
    path("ddo/operators/", views_officer.operators, name="operators"),
    path("ddo/operators/<str:username>/remove/", views_officer.operator_remove, name="operator_remove"),
    path("state/ddo/", views_state.queue, name="queue"),
    path("state/ddo/<str:number>/", views_state.review, name="review"),
    path("state/ddo/<str:number>/scan", views_state.scan, name="scan"),
    path("state/ddo/<str:number>/form.pdf", views_state.form_pdf, name="state_form_pdf"),
    path("state/ddo/<str:number>/<slug:action>/", views_state.act, name="act"),
    path("state/handovers/", views_state.handover_list, name="handover_list"),
    path("state/handovers/<int:pk>/<slug:decision>/", views_state.handover_decide, name="handover_decide"),
    path("state/officers/<str:username>/handover/", views_state.handover_by_state, name="handover_by_state"),
]
