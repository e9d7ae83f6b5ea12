"""E-mails about a plan's way to approval, each rendered in its recipient's own language."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pilots.invitations import invitation_for_mail, invitation_url
from pilots.models import DepartmentRole, Person, ProgrammeRole, active_role
from plans.models import ProjectPlan

# One e-mail kind per transition; `plans.services` passes these names to the task.
SUBMITTED = "submitted"
RETURNED = "returned"
APPROVED = "approved"
TRANSITIONS = (SUBMITTED, RETURNED, APPROVED)


def plan_transition_recipients(*, plan: ProjectPlan, transition: str) -> list[Person]:
    """Who needs to act or know: the reviewers when submitted, the leaders when reviewed."""
    # Only roles held today: whoever has left is not told any more.
    if transition == SUBMITTED:
        people = Person.objects.filter(
            active_role(prefix="programme_roles__"),
            programme_roles__programme_id=plan.pilot.programme_id,
            programme_roles__role__in=ProgrammeRole.Role.values,
        )
    else:
        people = Person.objects.filter(
            active_role(prefix="department_roles__"),
            department_roles__department_id=plan.pilot.department_id,
            department_roles__role=DepartmentRole.Role.DEPARTMENT_LEADER,
        )
    return list(people.filter(is_active=True).exclude(email="").distinct().order_by("pk"))


def plan_link(plan: ProjectPlan, *, recipient: Person) -> str:
    """The plan's address for the recipient: their invitation, leading on to the plan, when they
    have no login yet (a department leader often has none when the plan comes back)."""
    path = reverse("plans:plan_detail", kwargs={"pilot_pk": plan.pilot_id})
    invitation = invitation_for_mail(person=recipient, now=timezone.now())
    if invitation is not None:
        return invitation_url(invitation, next_path=path)
    return settings.SITE_URL + path


def _subject(transition: str, department: str) -> str:
    subjects = {
        SUBMITTED: _("Project plan submitted for review: %(department)s"),
        RETURNED: _("Project plan returned with a comment: %(department)s"),
        APPROVED: _("Project plan approved: %(department)s"),
    }
    return subjects[transition] % {"department": department}


def _transition_comment(plan: ProjectPlan, transition: str) -> str:
    if transition == RETURNED:
        return plan.return_comment
    if transition == APPROVED:
        snapshot = plan.snapshots.order_by("-approved_at").only("comment").first()
        return snapshot.comment if snapshot else ""
    return ""


def plan_transition_message(
    *, plan: ProjectPlan, transition: str, recipient: Person, actor_name: str
) -> EmailMessage:
    """One recipient's e-mail, written in their language (Content-Language says which)."""
    with translation.override(recipient.language):
        context = {
            "recipient": recipient,
            "plan": plan,
            "department": plan.pilot.department.name,
            "actor_name": actor_name,
            "comment": _transition_comment(plan, transition),
            "link": plan_link(plan, recipient=recipient),
        }
        body = render_to_string(f"plans/email/plan_{transition}.txt", context)
        return EmailMessage(
            subject=_subject(transition, plan.pilot.department.name),
            body=body,
            to=[recipient.email],
            headers={"Content-Language": translation.get_language()},
        )


def _actor_name(actor_user_id: int | None) -> str:
    if actor_user_id is None:
        return ""
    actor = (
        get_user_model()
        .objects.filter(pk=actor_user_id)
        .select_related("person")
        .only("username", "person__full_name")
        .first()
    )
    if actor is None:
        return ""
    person = getattr(actor, "person", None)
    return person.full_name if person else actor.get_username()


def plan_transition_recipient_ids(
    *, plan_id: int, transition: str, actor_user_id: int | None
) -> list[int]:
    """Who gets an e-mail about the transition; the actor is left out (they just did it)."""
    if transition not in TRANSITIONS:
        raise ValueError(f"unknown plan transition {transition!r}")
    plan = ProjectPlan.objects.select_related("pilot").filter(pk=plan_id).first()
    if plan is None:
        return []
    return [
        person.pk
        for person in plan_transition_recipients(plan=plan, transition=transition)
        if actor_user_id is None or person.user_id != actor_user_id
    ]


def plan_transition_email_send(
    *, plan_id: int, transition: str, actor_user_id: int | None, person_id: int
) -> int:
    """Send one recipient's e-mail about the transition; returns how many were sent (0 or 1)."""
    plan = (
        ProjectPlan.objects.select_related("pilot__department", "pilot__programme")
        .filter(pk=plan_id)
        .first()
    )
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if plan is None or person is None:
        return 0
    message = plan_transition_message(
        plan=plan, transition=transition, recipient=person, actor_name=_actor_name(actor_user_id)
    )
    return get_connection().send_messages([message]) or 0
