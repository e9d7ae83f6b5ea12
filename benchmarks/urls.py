"""The app's URLs plus /bench/bare-db/: one ORM query and a tiny template, the yardstick of
`make bench` (the same process, middleware and database as the pages, and nothing else)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from leanprogram.urls import urlpatterns as app_urlpatterns
from pilots.models import Municipality

TINY = engines["django"].from_string(
    "<!doctype html><html lang=en><title>bare-db</title><p>{{ municipality.name }}</p></html>"
)


def bare_db(request):
    municipality = Municipality.objects.order_by("pk").first()
    return HttpResponse(TINY.render({"municipality": municipality}, request))


urlpatterns = [path("bench/bare-db/", bare_db, name="bench_bare_db"), *app_urlpatterns]
