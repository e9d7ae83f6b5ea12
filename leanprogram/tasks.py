"""Celery finds the tasks of the installed app `leanprogram` here (autodiscover)."""

from leanprogram.privacy.tasks import apply_retention

__all__ = ["apply_retention"]
