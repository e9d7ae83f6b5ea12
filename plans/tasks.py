"""Celery tasks for plans: thin, ids in, the work done in `plans.notifications`."""

from celery import shared_task

from plans.notifications import plan_transition_email_send


@shared_task
def send_plan_transition_email(plan_id: int, transition: str, actor_user_id: int | None) -> int:
    """E-mail the people concerned by a plan's move (queued by `plans.workflow` after commit)."""
    return plan_transition_email_send(
        plan_id=plan_id, transition=transition, actor_user_id=actor_user_id
    )
