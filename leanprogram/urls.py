from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from leanprogram import (
    two_factor,
    views,
    views_my,
    views_oidc,
    views_password,
    views_session,
    views_setup,
)
from leanprogram.health import healthz
from leanprogram.login import AdminLoginForm, LoginForm
from pilots.views import invitations, language
from plans.views import board as plans_board

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views_my.my_tasks, name="my_tasks"),
    path("", include("leanprogram.privacy.urls")),
    path(
        "my/measures/<int:pk>/progress/",
        views_my.my_measure_progress,
        name="my_measure_progress",
    ),
    path("healthz", healthz, name="healthz"),
    path("session/keepalive/", views_session.session_keepalive, name="session_keepalive"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("accessibility/style/", views.style_guide, name="style_guide"),
    path("privacy/", views.privacy, name="privacy"),
    # In place of django.conf.urls.i18n: switching the language also keeps it for the e-mails.
    path("i18n/setlang/", language.language_set, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Before Django's own: logging out also ends the identity provider's session when the login
    # came through it.
    path("accounts/logout/", views_oidc.logout_view, name="logout"),
    path("accounts/two-factor/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    # Ahead of Django's own, which they replace (same names).
    path("accounts/password_reset/", views_password.password_reset, name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views_password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password_change/",
        views_password.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("oidc/login/", views_oidc.OIDCLoginView.as_view(), name="oidc_login"),
    path("oidc/callback/", views_oidc.OIDCCallbackView.as_view(), name="oidc_callback"),
    # Public: the link in an invitation e-mail is all an invited person has.
    path(
        "invitations/<str:token>/",
        invitations.invitation_accept_view,
        name="invitation_accept",
    ),
    # Public: a wall screen's link to one board, read-only (plans.screens).
    path("screen/<str:token>/", plans_board.board_screen, name="board_screen"),
    path(
        "programme/",
        include(
            (
                [
                    path("", views.dashboard, name="dashboard"),
                    path("pilots/<int:pk>/", views.pilot_detail, name="pilot_detail"),
                    path(
                        "programmes/<int:programme_pk>/pilots/new/",
                        views_setup.pilot_setup_start,
                        name="pilot_setup_start",
                    ),
                    path("pilots/<int:pk>/setup/", views_setup.pilot_setup, name="pilot_setup"),
                    path(
                        "pilots/<int:pk>/setup/department/",
                        views_setup.pilot_setup_department,
                        name="pilot_setup_department",
                    ),
                    path(
                        "pilots/<int:pk>/setup/leader/",
                        views_setup.pilot_setup_leader,
                        name="pilot_setup_leader",
                    ),
                    path(
                        "pilots/<int:pk>/setup/meetings/",
                        views_setup.pilot_setup_meetings,
                        name="pilot_setup_meetings",
                    ),
                    path(
                        "pilots/<int:pk>/setup/course-days/",
                        views_setup.pilot_setup_course_days,
                        name="pilot_setup_course_days",
                    ),
                ],
                "programme",
            )
        ),
    ),
    path("programme/", include("pilots.urls")),
    path("programme/", include("leanprogram.exports.urls")),
    path("training/", include("training.urls")),
    path("plans/", include("plans.urls")),
    path("follow-up/", include("followup.urls")),
    path("reports/", include("leanprogram.reports.urls")),
    path("admin/", admin.site.urls),
]
