from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from leanprogram import views, views_my
from leanprogram.health import healthz
from leanprogram.login import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views_my.my_tasks, name="my_tasks"),
    path(
        "my/measures/<int:pk>/progress/",
        views_my.my_measure_progress,
        name="my_measure_progress",
    ),
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
