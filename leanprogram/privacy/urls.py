from django.urls import path

from leanprogram.privacy import views

app_name = "privacy"

urlpatterns = [
    path("my/data/", views.my_data, name="my_data"),
    path("my/data/download/", views.my_data_json, name="my_data_json"),
    path("programme/people/<int:pk>/data/", views.person_data, name="person_data"),
    path(
        "programme/people/<int:pk>/data/download/",
        views.person_data_json,
        name="person_data_json",
    ),
    path("programme/people/<int:pk>/erase/", views.person_erase_view, name="person_erase"),
]
