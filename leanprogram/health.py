"""GET /healthz: is the database answering, and is the Celery broker reachable?"""

import os

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

# Anyone may call /healthz, often: each call must free its worker within about two seconds
# (connect plus one read) whatever the broker does, or a few calls against a frozen Redis
# tie up every worker of the site.
BROKER_TIMEOUT_SECONDS = 1


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not healthy", never a 500
        return False


def _broker_ok() -> bool:
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options={
                **options,
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
            },
            connect_timeout=BROKER_TIMEOUT_SECONDS,
        ) as conn:
            if conn.transport_cls == "filesystem":
                # The filesystem transport "connects" to anything; what matters is its folder.
                folder = options["data_folder_out"]
                return os.path.isdir(folder) and os.access(folder, os.W_OK)
            # One attempt, no retries: connecting opens a channel, which pings Redis.
            conn.ensure_connection(max_retries=0)
        return True
    except Exception:  # noqa: BLE001
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "error",
        "checks": {name: "ok" if ok else "error" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
