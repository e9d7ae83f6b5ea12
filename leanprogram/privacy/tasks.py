"""The daily retention run (CELERY_BEAT_SCHEDULE "apply-retention"): thin, the work is in
`leanprogram.privacy.retention`."""

import logging

from celery import shared_task
from django.utils import timezone

from leanprogram.privacy.retention import retention_apply

logger = logging.getLogger(__name__)


@shared_task(name="leanprogram.privacy.tasks.apply_retention", ignore_result=True)
def apply_retention() -> dict[str, int]:
    result = retention_apply(now=timezone.now())
    # Counts only: which rows went is in the audit log, and no name is in either.
    logger.info("Retention applied: %s.", result.detail)
    return result.counts
