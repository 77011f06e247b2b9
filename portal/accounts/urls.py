from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/change/", views.password_change, name="password_change"),
    path("accounts/password/reset/", views.password_reset, name="password_reset"),
    path("accounts/password/reset/otp/", views.password_reset_complete, name="password_reset_complete"),
    path("accounts/otp-login/", views.otp_login, name="otp_login"),
    path("accounts/otp-login/verify/", views.otp_login_verify, name="otp_login_verify"),
    path("accounts/contact/", views.contact_change, name="contact_change"),
    path("accounts/contact/confirm/", views.contact_confirm, name="contact_confirm"),
    path("state/users/", views.user_list, name="user_list"),
    path("state/users/new/", views.user_create, name="user_create"),
    path("state/users/<str:username>/", views.user_detail, name="user_detail"),
    path("state/users/<str:username>/<slug:action>/", views.user_action, name="user_action"),
]
