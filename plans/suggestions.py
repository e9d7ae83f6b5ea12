"""Every write on an improvement suggestion: sending it, answering it, making it a measure.

Each service takes `user` and asks the access scope first (`can_suggest` to send,
`can_edit_plan` to answer or convert), validates with `full_clean()` and holds its own
transaction, like the plan services in `plans.services`.

Anonymity: an anonymous suggestion stores no author, and its history records no user (the
history middleware would otherwise put the sender's login on the first record). Its time is kept
to the hour only, so that it cannot be matched to the one person who was logged in at that minute.

Lock order: making a suggestion a measure is a write on the plan, so it locks the plan row first
(`plan_lock_or_start`) and the suggestion after it, the order every plan write keeps. Answering
writes the suggestion alone and locks just that row. Sending locks the pilot row (FOR NO KEY
UPDATE, which does not block other rows' foreign keys to it) so that a double tap on "send"
cannot store the same suggestion twice.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pilots.access import scope_for
from pilots.models import Person, Pilot
from plans.models import Measure, Suggestion
from plans.services import plan_lock_or_start

Status = Suggestion.Status
# Set by the services themselves, not typed: checked by the model's clean() and the database.
# The constraints are the database's to hold; the field validators catch what a user typed.
_NOT_CHECKED = ["pilot", "author", "measure", "answered_by"]


def suggestion_submit(*, pilot: Pilot, user, text: str, anonymous: bool = False) -> Suggestion:
    """Store a suggestion for the pilot's department, with the sender as author unless anonymous.

    The same text sent again by the same author (or anonymously) while the first one is still
    new is the same suggestion: it is returned and not stored twice.
    """
    scope = scope_for(user)
    scope.require(scope.can_suggest(pilot))
    if anonymous and not pilot.programme.allow_anonymous_suggestions:
        raise ValidationError(
            {
                "anonymous": _(
                    "This programme does not take anonymous suggestions. Nothing was sent; send "
                    "it with your name, or talk to your department leader."
                )
            },
            code="anonymous_not_allowed",
        )
    now = timezone.now()
    suggestion = Suggestion(
        pilot=pilot,
        author=None if anonymous else Person.objects.get(pk=scope.person_id),
        text=(text or "").strip(),
        created_at=now.replace(minute=0, second=0, microsecond=0) if anonymous else now,
    )
    suggestion.full_clean(exclude=_NOT_CHECKED, validate_constraints=False)
    # Explicitly nobody for an anonymous suggestion, the sender otherwise.
    suggestion._history_user = None if anonymous else user
    if anonymous:
        suggestion._history_date = suggestion.created_at
    with transaction.atomic():
        Pilot.objects.select_for_update(no_key=True).filter(pk=pilot.pk).first()
        duplicate = Suggestion.objects.filter(
            pilot=pilot, author=suggestion.author, text=suggestion.text, status=Status.NEW
        ).first()
        if duplicate is not None:
            return duplicate
        suggestion.save()
    return suggestion


def suggestion_answer(
    *, suggestion: Suggestion, user, answer: str, decline: bool = False
) -> Suggestion:
    """Answer a suggestion, or decline it with the reason as the answer; an answer may be
    corrected later. A suggestion that became a measure is answered by the measure."""
    scope = scope_for(user)
    scope.require(scope.can_edit_plan(suggestion.pilot))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(
            {"answer": _("Write an answer, so the one who sent it knows what happens next.")},
            code="required",
        )
    with transaction.atomic():
        locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.status == Status.MEASURE:
            raise ValidationError(
                _("This suggestion has already become a measure; nothing was changed."),
                code="already_measure",
            )
        locked.answer = answer
        locked.status = Status.DECLINED if decline else Status.ANSWERED
        _stamp_answer(locked, user)
        locked.clean_fields(exclude=_NOT_CHECKED)
        locked._history_user = user
        locked.save(update_fields=["answer", "status", "answered_by", "answered_at"])
    _copy_answer(locked, suggestion)
    return suggestion


def suggestion_to_measure(
    *,
    suggestion: Suggestion,
    user,
    title: str,
    description: str = "",
    owner: Person | None = None,
    deadline: dt.date | None = None,
    answer: str = "",
) -> Measure:
    """Make a suggestion a measure of the department's plan (started if it has none yet).

    The measure and the suggestion point at each other, the plan's version moves on (an edit
    form opened before sees a conflict, as after a move on the board), and the optional answer
    is what the author reads next to the measure.
    """
    pilot = suggestion.pilot
    scope = scope_for(user)
    scope.require(scope.can_edit_plan(pilot))
    with transaction.atomic():
        plan, _created = plan_lock_or_start(pilot=pilot, user=user)
        locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.status == Status.MEASURE:
            raise ValidationError(
                _("This suggestion has already become a measure; nothing was changed."),
                code="already_measure",
            )
        measure = Measure(
            plan=plan,
            title=(title or "").strip(),
            description=(description or "").strip(),
            owner=owner,
            deadline=deadline,
        )
        measure.full_clean(exclude=["plan"], validate_constraints=False)
        locked.answer = (answer or "").strip()
        locked.status = Status.MEASURE
        _stamp_answer(locked, user)
        locked.clean_fields(exclude=_NOT_CHECKED)
        # The plan row first, then its new measure and the suggestion, as every plan write.
        plan.version += 1
        plan._history_user = user
        plan.save(update_fields=["version", "updated_at"])
        measure._history_user = user
        measure.save()
        locked.measure = measure
        locked._history_user = user
        locked.save(update_fields=["answer", "status", "answered_by", "answered_at", "measure"])
    _copy_answer(locked, suggestion)
    return measure


def _stamp_answer(suggestion: Suggestion, user) -> None:
    suggestion.answered_by = user if getattr(user, "is_authenticated", False) else None
    suggestion.answered_at = timezone.now()


def _copy_answer(source: Suggestion, target: Suggestion) -> None:
    for name in ("answer", "status", "answered_by", "answered_at", "measure"):
        setattr(target, name, getattr(source, name))
