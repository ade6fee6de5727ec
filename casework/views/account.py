"""Login, logout, the second factor (verification and enrolment) and the password change."""

import time

import segno
from django import forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from casework.forms.service_errors import apply_service_error
from casework.middleware import SESSION_EPOCH, SESSION_SEEN
from casework.permissions import is_partner_system
from casework.services import accounts
from casework.services.errors import ServiceError


class LoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # A partner account is a system's: it comes in with its API token (scoped, expiring,
        # revocable), never with a password session that would skip all of that.
        if is_partner_system(user):
            raise forms.ValidationError(
                _("This is a partner system's account: it uses its API token, not this page."),
                code="partner_account",
            )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm


def _next_target(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


def _with_next(url_name: str, request) -> str:
    target = _next_target(request)
    return reverse(url_name) + (f"?{urlencode({'next': target})}" if target != "/" else "")


def _start_verified_session(request, device) -> None:
    otp_login(request, device)
    # A session that has just gained the second factor gets a new id, like one that just logged in.
    request.session.cycle_key()


@login_required
@never_cache
@sensitive_post_parameters("token")
def second_factor(request):
    user = request.user
    if not accounts.has_confirmed_device(user):
        return redirect(_with_next("second_factor_setup", request))
    if user.is_verified():
        return redirect(_next_target(request))
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "").lower()
        device = match_token(user, token) if token else None
        accounts.second_factor_recorded(user=user, device=device, succeeded=device is not None)
        if device is not None:
            _start_verified_session(request, device)
            return redirect(_next_target(request))
        error = _("That code is not valid. Try the current code from your app, or a recovery code.")
    return render(
        request,
        "registration/second_factor.html",
        {"error": error, "next": _next_target(request)},
        status=200 if not error else 400,
    )


@login_required
@never_cache
@sensitive_post_parameters("token", "password", "current_token")
def second_factor_setup(request):
    """Enrol an authenticator app. Once a device is confirmed, only a verified session may replace
    it, and only with the password and a code of the current factor: neither a password alone nor
    a stolen session must ever be enough to enrol a second factor of one's own."""
    user = request.user
    if accounts.has_confirmed_device(user) and not user.is_verified():
        return redirect(_with_next("second_factor", request))
    device = accounts.totp_enrolment_start(user=user)
    replacing = accounts.has_confirmed_device(user)
    error = ""
    codes = None
    if request.method == "POST":
        token = request.POST.get("token", "")
        try:
            codes = accounts.totp_enrolment_confirm(
                user=user,
                device=device,
                token=token,
                password=request.POST.get("password"),
                current_token=request.POST.get("current_token"),
            )
        except ServiceError as exc:
            error = " ".join(exc.messages)
        if codes is not None:
            _start_verified_session(request, device)
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next_target(request)},
            )
        error = error or _(
            "That code is not valid. Check the time on your phone and try the current code."
        )
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "secret": accounts.totp_secret_base32(device),
            "qr": qr,
            "error": error,
            "next": _next_target(request),
            "replacing": replacing,
        },
        status=200 if not error else 400,
    )


@login_required
@never_cache
@sensitive_post_parameters("password", "current_token")
def recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once. POST only, from a verified
    session (the middleware sees to the second factor)."""
    if request.method != "POST":
        return render(request, "registration/recovery_codes_confirm.html")
    try:
        codes = accounts.recovery_codes_regenerate(
            user=request.user,
            password=request.POST.get("password"),
            current_token=request.POST.get("current_token"),
        )
    except ServiceError as exc:
        error = " ".join(exc.messages)
        return render(
            request, "registration/recovery_codes_confirm.html", {"error": error}, status=400
        )
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": "/"})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password."),
    )
    new_password_again = forms.CharField(
        label=_("New password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


@login_required
@never_cache
@sensitive_post_parameters("old_password", "new_password", "new_password_again")
def password_change(request):
    """Change one's password. Every other session and every token ends; this one goes on."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.user_change_password(
                actor=request.user,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            request.session[SESSION_EPOCH] = user.session_epoch
            return render(request, "registration/password_changed.html")
    return render(
        request,
        "registration/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
def end_other_sessions(request):
    """Log out everywhere else: every other session and every token of this user ends."""
    if request.method == "POST":
        user = accounts.user_end_sessions(actor=request.user, user=request.user)
        request.session[SESSION_EPOCH] = user.session_epoch
        request.session.cycle_key()
        return render(request, "registration/sessions_ended.html")
    return render(request, "registration/sessions_end_confirm.html")


@login_required
@require_POST
def keepalive(request):
    """Stay signed in, from the idle warning: the session's idle clock starts again."""
    request.session[SESSION_SEEN] = int(time.time())
    return HttpResponse(status=204)
