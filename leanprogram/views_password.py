"""Forgotten and changed passwords: Django's pages, with the mail sent through the outbox and a
login pause lifted by a new password.

Asking for a reset link answers the same whatever the address: the same page, the same work
(`followup.services.password_reset_mail_request` stores one outbox row or none and asks for a
sweep either way). The mail goes out from the Celery worker, which makes the link then.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from followup.services import password_reset_mail_request
from leanprogram.login import login_lockout_clear


@require_http_methods(["GET", "POST"])
def password_reset(request):
    # Django's form for its field and messages only: its save() would send mail in the request.
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_mail_request(email=form.cleaned_data["email"])
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # The lock page promises this: whoever proved they own the mailbox is not kept waiting.
        login_lockout_clear(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        login_lockout_clear(user=form.user)
        return response
