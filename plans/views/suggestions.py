"""Improvement suggestions: staff send them from their phone and follow what happens to them;
the leader answers them or makes them measures, from the board's column of new ideas."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pilots.access import scope_for
from pilots.models import Person
from pilots.selectors import pilot_get_for_user
from plans.forms import SuggestionAnswerForm, SuggestionForm, SuggestionMeasureForm
from plans.models import Suggestion
from plans.selectors import (
    answered_anonymous_suggestions,
    measure_owner_choices,
    suggestion_get_for_user,
    suggestions_by_author,
)
from plans.suggestions import suggestion_answer as answer_service
from plans.suggestions import suggestion_submit, suggestion_to_measure

# A measure's title made from the suggestion: its first line, cut at a word.
_TITLE_CHARS = 80


@login_required
@require_http_methods(["GET", "POST"])
def pilot_suggestions(request, pilot_pk: int):
    """Send a suggestion, and see what happened to the ones sent before."""
    pilot = pilot_get_for_user(request.user, pilot_pk)
    scope = scope_for(request.user)
    scope.require(scope.can_suggest(pilot))
    allow_anonymous = pilot.programme.allow_anonymous_suggestions
    # Bound on every POST, also an empty one, so that sending nothing shows what is missing.
    data = request.POST if request.method == "POST" else None
    form = SuggestionForm(data, allow_anonymous=allow_anonymous)
    if form.is_bound and form.is_valid():
        anonymous = form.cleaned_data["anonymous"]
        try:
            suggestion_submit(
                pilot=pilot, user=request.user, text=form.cleaned_data["text"], anonymous=anonymous
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if anonymous:
                text = _("Thank you for your suggestion! It was sent without your name.")
            else:
                text = _(
                    "Thank you for your suggestion! Your department leader will answer it, and "
                    "you can follow it on your list below."
                )
            messages.success(request, text)
            return redirect("plans:pilot_suggestions", pilot_pk=pilot.pk)
    context = {
        "pilot": pilot,
        "form": form,
        "allow_anonymous": allow_anonymous,
        # The person's id is on the scope already: their list costs one query.
        "mine": list(suggestions_by_author(Person(pk=scope.person_id)).filter(pilot=pilot)),
        "anonymous_answers": answered_anonymous_suggestions(pilot),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "plans/suggestion_form.html", context, status=status)


def _handling_page(request, suggestion: Suggestion, *, answer_form=None, measure_form=None):
    """The suggestion with its two ways forward: an answer, or a measure of the plan."""
    owners = measure_owner_choices(suggestion.pilot)
    if answer_form is None:
        answer_form = SuggestionAnswerForm(
            initial={
                "answer": suggestion.answer,
                "decline": suggestion.status == Suggestion.Status.DECLINED,
            }
        )
    if measure_form is None:
        first_line = suggestion.text.strip().splitlines()[0]
        measure_form = SuggestionMeasureForm(
            owners=owners,
            initial={
                "title": Truncator(first_line).chars(_TITLE_CHARS),
                "description": suggestion.text,
                "owner": suggestion.author_id,
            },
        )
    context = {
        "pilot": suggestion.pilot,
        "suggestion": suggestion,
        "answer_form": answer_form,
        "measure_form": measure_form,
    }
    failed = answer_form.is_bound or measure_form.is_bound
    return render(request, "plans/suggestion_detail.html", context, status=400 if failed else 200)


def _suggestion_to_handle(request, pk: int) -> Suggestion:
    suggestion = suggestion_get_for_user(request.user, pk)
    scope = scope_for(request.user)
    # Asked before any form, so that staff learn they may not, not that the form was empty.
    scope.require(scope.can_edit_plan(suggestion.pilot))
    return suggestion


@login_required
@require_GET
def suggestion_detail(request, pk: int):
    return _handling_page(request, _suggestion_to_handle(request, pk))


def _back_to_the_form(request, suggestion: Suggestion):
    """A GET of a form's POST address: the page with the form. A POST that found the session
    expired is sent to the login page with this address as `next`, and after logging in the
    person must land on their form (its draft is restored there by drafts.js)."""
    return redirect("plans:suggestion_detail", pk=suggestion.pk)


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_answer(request, pk: int):
    suggestion = _suggestion_to_handle(request, pk)
    if request.method == "GET":
        return _back_to_the_form(request, suggestion)
    form = SuggestionAnswerForm(request.POST)
    if form.is_valid():
        try:
            answer_service(
                suggestion=suggestion,
                user=request.user,
                answer=form.cleaned_data["answer"],
                decline=form.cleaned_data["decline"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The answer is saved; the one who sent it can read it."))
            return redirect("plans:plan_board", pilot_pk=suggestion.pilot_id)
    return _handling_page(request, suggestion, answer_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_measure(request, pk: int):
    suggestion = _suggestion_to_handle(request, pk)
    if request.method == "GET":
        return _back_to_the_form(request, suggestion)
    form = SuggestionMeasureForm(request.POST, owners=measure_owner_choices(suggestion.pilot))
    if form.is_valid():
        try:
            measure = suggestion_to_measure(
                suggestion=suggestion, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("“%(title)s” is now a measure on the board.") % {"title": measure.title},
            )
            return redirect("plans:plan_board", pilot_pk=suggestion.pilot_id)
    return _handling_page(request, suggestion, measure_form=form)
