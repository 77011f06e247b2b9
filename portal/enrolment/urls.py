from django.urls import path

from . import views_gateway as gateway
from . import views_my as my
from . import views_office as office
from . import views_rules as rules

app_name = "enrolment"
urlpatterns = [
    path("gateway/", gateway.start, name="start"),
    path("gateway/new/<str:code>/<slug:kind>/", gateway.new_family, name="new"),
    *gateway.ACCESS.urls("gateway/access/", ("access", "access_verify", "access_resend")),
    path("gateway/<str:number>/", gateway.family_page, name="family"),
    path("gateway/<str:number>/primary/", gateway.edit_primary, name="primary"),
    path("gateway/<str:number>/members/add/", gateway.dependent, name="add_member"),
    path("gateway/<str:number>/members/<int:member_id>/", gateway.dependent, name="edit_member"),
    path("gateway/<str:number>/members/<int:member_id>/delete/", gateway.delete_member, name="delete_member"),
    path("gateway/<str:number>/members/<int:member_id>/photo/", gateway.upload_photo, name="upload_photo"),
    path("gateway/<str:number>/members/<int:member_id>/photo.jpg", gateway.member_photo, name="member_photo"),
    path("gateway/<str:number>/submit/", gateway.submit, name="submit"),
    path("gateway/<str:number>/consent/", gateway.consent, name="consent"),
    path("gateway/<str:number>/resubmit/", gateway.resubmit, name="resubmit"),
    path("gateway/<str:number>/form.pdf", gateway.form_pdf, name="form_pdf"),
    path("office/register/", office.operator_start, name="operator_start"),
    path("office/families/", office.queue, name="queue"),
    path("office/families/bulk-verify/", office.bulk_verify, name="bulk_verify"),
    path("office/families/<str:number>/", office.review, name="review"),
    path("office/families/<str:number>/form.pdf", office.form_pdf, name="office_form_pdf"),
    path("office/families/<str:number>/transfer/", office.transfer, name="transfer"),
    path("office/families/<str:number>/retire/", office.retire, name="retire"),
    path("office/families/<str:number>/<slug:action>/", office.act, name="act"),
    path("office/members/<int:member_id>/photo.jpg", office.photo, name="photo"),
    path("office/changes/", office.changes, name="changes"),
    path("office/changes/<int:pk>/<slug:decision>/", office.change_decide, name="change_decide"),
    path("office/transfers/<int:pk>/<slug:decision>/", office.transfer_decide, name="transfer_decide"),
    path("office/duplicates/", office.duplicates, name="duplicates"),
    path("office/duplicates/<int:pk>/resolve/", office.duplicate_resolve, name="duplicate_resolve"),
    path("state/rules/", rules.rules, name="rules"),
    path("state/rules/<str:code>/", rules.rule_edit, name="rule_edit"),
    path("state/pay-levels/<int:pk>/", rules.pay_level_edit, name="pay_level_edit"),
    path("my/", my.my_family, name="my_family"),
    path("my/changes/<slug:type>/", my.change_new, name="change_new"),
]
