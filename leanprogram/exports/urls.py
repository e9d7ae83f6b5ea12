from django.urls import path

from leanprogram.exports import views

app_name = "exports"

urlpatterns = [
    path(
        "programmes/<int:programme_pk>/exports/<slug:kind>.<slug:fmt>",
        views.programme_export,
        name="programme_export",
    ),
    path("pilots/<int:pk>/exports/<slug:kind>.<slug:fmt>", views.pilot_export, name="pilot_export"),
]
