from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from leanprogram import views
from leanprogram.health import healthz
from leanprogram.login import AdminLoginForm, LoginForm
from pilots.views import invitations

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # Public: the link in an invitation e-mail is all an invited person has.
    path(
        "invitations/<str:token>/",
        invitations.invitation_accept_view,
        name="invitation_accept",
    ),
    path(
        "programme/",
        include(
            (
                [
                    path("", views.dashboard, name="dashboard"),
                    path("pilots/<int:pk>/", views.pilot_detail, name="pilot_detail"),
                ],
                "programme",
            )
        ),
    ),
    path("programme/", include("pilots.urls")),
    path("training/", include("training.urls")),
    path("plans/", include("plans.urls")),
    path("follow-up/", include("followup.urls")),
    path("admin/", admin.site.urls),
]
