"""Production settings plus the bare view `make bench` compares every page with.

Only gunicorn started by benchmarks/national.py loads this module (DJANGO_SETTINGS_MODULE);
leanprogram.settings never routes to benchmarks.urls, so the bare view is not in production.
"""

from leanprogram.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
