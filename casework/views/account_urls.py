"""URL patterns of the account area: login, logout, second factor, password, sessions."""

from django.contrib.auth import views as auth_views
from django.urls import path

from casework.views import account

urlpatterns = [
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("2fa/", account.second_factor, name="second_factor"),
    path("2fa/setup/", account.second_factor_setup, name="second_factor_setup"),
    # Outside /account/2fa/: regenerating codes needs a session that already passed the factor.
    path("recovery-codes/", account.recovery_codes, name="recovery_codes"),
    path("password/", account.password_change, name="password_change"),
    path("keepalive/", account.keepalive, name="keepalive"),
    path("sessions/end/", account.end_other_sessions, name="end_other_sessions"),
]
