import os

from celery import Celery
from celery.signals import beat_init, worker_init
from django.core.exceptions import ImproperlyConfigured

from leanprogram.env import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leanprogram.settings")

app = Celery("leanprogram")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_without_secret_key(**kwargs):
    # Celery logs and swallows exceptions from signal handlers; SystemExit gets through.
    try:
        require_secret_key()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None
