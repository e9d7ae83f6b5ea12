"""Celery tasks for plans: thin, ids in, the work done in `plans.notifications`."""

from smtplib import SMTPException

from celery import shared_task

from plans.notifications import plan_transition_email_send, plan_transition_recipient_ids


@shared_task
def send_plan_transition_email(plan_id: int, transition: str, actor_user_id: int | None) -> int:
    """Fan out one task per recipient (queued by `plans.services` after commit).

    One task per recipient means a mail server that refuses one address, or fails half-way,
    makes only that e-mail retry; nobody gets the same e-mail twice.
    """
    person_ids = plan_transition_recipient_ids(
        plan_id=plan_id, transition=transition, actor_user_id=actor_user_id
    )
    for person_id in person_ids:
        send_plan_transition_email_to.delay(plan_id, transition, actor_user_id, person_id)
    return len(person_ids)


# Backoff 1, 2, 4, 8, 15 minutes: all retries end well inside Redis' one-hour visibility timeout.
@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def send_plan_transition_email_to(
    plan_id: int, transition: str, actor_user_id: int | None, person_id: int
) -> int:
    return plan_transition_email_send(
        plan_id=plan_id, transition=transition, actor_user_id=actor_user_id, person_id=person_id
    )
