from django.urls import path

from . import views_my as my
from . import views_office as office
from . import views_public as public
from . import views_state as state

app_name = "cards"
urlpatterns = [
    # Anyone: check a card; the public keys for checking QR codes offline.
    path("cards/verify/", public.verify, name="verify"),
    path("cards/keys/", public.public_keys, name="keys"),
    # The beneficiary's own cards.
    path("my/cards/", my.my_cards, name="my_cards"),
    path("my/cards/print/", my.print_cards, name="print"),
    # Officers: the card list and a card's page with its actions.
    path("cards/", office.card_list, name="list"),
    path("cards/<str:number>/", office.card_detail, name="card"),
    path("cards/<str:number>/photo.jpg", public.card_photo, name="photo"),
    path("cards/<str:number>/<slug:action>/", office.card_action, name="card_action"),
    # The DDO/TO's delivery desk.
    path("office/cards/", office.desk, name="desk"),
    path("office/cards/dispatches/<int:pk>/receive/", office.receive, name="receive"),
    path("office/cards/families/<str:number>/", office.handover, name="handover"),
    path("office/cards/families/<str:number>/otp/", office.handover_otp, name="handover_otp"),
    # The state cell: print batches and dispatch.
    path("state/cards/batches/", state.batch_list, name="batches"),
    path("state/cards/batches/new/", state.batch_new, name="batch_new"),
    path("state/cards/batches/<str:number>/", state.batch_detail, name="batch"),
    path("state/cards/batches/<str:number>/progress.json", state.batch_progress, name="batch_progress"),
    path("state/cards/batches/<str:number>/parts/<int:part>.pdf", state.batch_file, name="batch_file"),
    path("state/cards/batches/<str:number>/manifest.<slug:kind>", state.batch_manifest, name="batch_manifest"),
    path("state/cards/batches/<str:number>/<slug:action>/", state.batch_action, name="batch_action"),
    path("state/cards/dispatch/", state.dispatch_list, name="dispatch"),
    path("state/cards/dispatch/<str:code>/", state.dispatch_office, name="dispatch_office"),
    path("state/cards/dispatches/", state.dispatch_register, name="dispatch_register"),
]
