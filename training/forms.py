"""Forms for scheduling meetings and course days and for recording attendance."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from pilots.calendar import OSLO
from pilots.fields import date_field, time_field
from pilots.models import Person
from training.models import COURSE_DAYS_PER_PILOT, Attendance, InformationMeeting


class InformationMeetingForm(forms.Form):
    date = date_field(label=_("Date"))
    starts_at = time_field(label=_("Starts at"))
    ends_at = time_field(label=_("Ends at"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return cleaned


def facilitators_field() -> forms.ModelMultipleChoiceField:
    """The facilitator checkboxes; the form sets the queryset (`facilitator_choices_for_user`)."""
    return forms.ModelMultipleChoiceField(
        label=_("Facilitators"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Tick everyone who leads the day. The programme's people come first."),
    )


class FacilitatorGroupsMixin:
    """For a form with a `facilitators` field, shown by `training/_facilitator_picker.html`."""

    @property
    def facilitator_groups(self) -> list[tuple[str, list]]:
        """The facilitator checkboxes in two groups: the programme's people, then the others.

        The choices are ordered that way (`facilitator_choices_for_user`); each checkbox knows its
        person, so the groups cost no query of their own.
        """
        programme, others = [], []
        for checkbox in self["facilitators"]:
            in_programme = getattr(checkbox.data["value"].instance, "in_programme", False)
            (programme if in_programme else others).append(checkbox)
        groups = [
            (pgettext("facilitators", "Programme"), programme),
            (gettext("Others in the municipality"), others),
        ]
        return [(label, checkboxes) for label, checkboxes in groups if checkboxes]


class CourseDayForm(FacilitatorGroupsMixin, forms.Form):
    """A course day, its date given either as a date or as ISO year, week and weekday."""

    number = forms.TypedChoiceField(
        label=_("Day number"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, COURSE_DAYS_PER_PILOT + 1)],
    )
    date = date_field(label=_("Date"), required=False)
    iso_year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )
    iso_week = forms.IntegerField(
        label=_("Week"),
        required=False,
        min_value=1,
        max_value=53,
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("not given"))] + [(i + 1, capfirst(WEEKDAYS[i])) for i in range(5)],
    )
    starts_at = time_field(label=_("Starts at"))
    ends_at = time_field(label=_("Ends at"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    facilitators = facilitators_field()

    ISO_FIELDS = ("iso_year", "iso_week", "weekday")

    def __init__(self, *args, facilitator_choices, numbers_taken=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = facilitator_choices
        self.numbers_taken = set(numbers_taken)

    def clean_number(self):
        number = self.cleaned_data["number"]
        if number in self.numbers_taken:
            raise ValidationError(
                _("This pilot already has a course day with that number."), code="unique"
            )
        return number

    def clean(self):
        cleaned = super().clean()
        cleaned["day"] = self._clean_day(cleaned)
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The course day must end after it starts."))
        return cleaned

    def _clean_day(self, cleaned) -> dt.date | None:
        # A field that failed its own validation already carries an error; say nothing more.
        if any(name in self.errors for name in ("date", *self.ISO_FIELDS)):
            return None
        date = cleaned.get("date")
        iso = {name: cleaned.get(name) for name in self.ISO_FIELDS}
        given = [name for name, value in iso.items() if value is not None]
        if date is not None and given:
            self.add_error(
                "date",
                _("Give either a date or a year, week and weekday, not both."),
            )
            return None
        if date is not None:
            return date
        if not given:
            self.add_error("date", _("Give a date, or a year, week and weekday."))
            return None
        if len(given) < len(self.ISO_FIELDS):
            for name in self.ISO_FIELDS:
                if iso[name] is None:
                    self.add_error(name, _("Give the year, week and weekday together."))
            return None
        try:
            return dt.date.fromisocalendar(iso["iso_year"], iso["iso_week"], iso["weekday"])
        except ValueError:
            self.add_error(
                "iso_week",
                _("%(year)s has no week %(week)s.")
                % {"year": iso["iso_year"], "week": iso["iso_week"]},
            )
            return None


_STATUS_FIELD = re.compile(r"^status_(\d+)$")


class AttendanceForm(forms.Form):
    """One radio group per person: present, absent or excused.

    Fields are named `status_<person id>`. Any such name for someone not on the list makes the whole
    form invalid, so a stale page or a forged request cannot record attendance for a stranger.
    """

    ALL_PRESENT = "all_present"

    def __init__(self, *args, people, not_expected=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)
        # People "mark all present" leaves alone: they chose another session of the meeting.
        self.not_expected = set(not_expected)
        for person in self.people:
            self.fields[f"status_{person.pk}"] = forms.ChoiceField(
                label=person.full_name,
                required=False,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
        self.unknown_person_ids: set[int] = set()

    @property
    def rows(self):
        return [(person, self[f"status_{person.pk}"]) for person in self.people]

    @property
    def marks_all_present(self) -> bool:
        return self.is_bound and self.ALL_PRESENT in self.data

    def clean(self):
        cleaned = super().clean()
        known = {person.pk for person in self.people}
        sent = {int(m.group(1)) for key in self.data if (m := _STATUS_FIELD.match(key))}
        self.unknown_person_ids = sent - known
        if self.unknown_person_ids:
            raise ValidationError(
                _(
                    "The list includes unknown people who are not in this department. "
                    "Reload the page and try again."
                ),
                code="unknown_people",
            )
        return cleaned

    def statuses(self) -> dict[int, str]:
        """Person id → status for everyone with a status; with "mark all present", the rest too
        (except who chose another session)."""
        result = {}
        for person in self.people:
            status = self.cleaned_data.get(f"status_{person.pk}")
            if status:
                result[person.pk] = status
            elif self.marks_all_present and person.pk not in self.not_expected:
                result[person.pk] = Attendance.Status.PRESENT
        return result


def session_label(meeting: InformationMeeting) -> str:
    """ "Tuesday 02.02.2027, 14:00–15:00, Personalrommet": a session as a choice reads it."""
    starts = timezone.localtime(meeting.starts_at, OSLO)
    ends = timezone.localtime(meeting.ends_at, OSLO)
    text = "{day} {date}, {start}–{end}".format(
        day=capfirst(date_format(starts, "l")),
        date=date_format(starts, "SHORT_DATE_FORMAT"),
        start=starts.strftime("%H:%M"),
        end=ends.strftime("%H:%M"),
    )
    return f"{text}, {meeting.place}" if meeting.place else text


class SessionChoiceForm(forms.Form):
    """The session of the information meeting a person will come to."""

    session = forms.TypedChoiceField(
        label=_("The session I will come to"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a session."),
            "invalid_choice": _("That session cannot be chosen. Reload the page and choose again."),
        },
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [(s.pk, session_label(s)) for s in sessions]


_SESSION_FIELD = re.compile(r"^session_(\d+)$")


class SessionAssignForm(forms.Form):
    """One session per person, or none; fields are named `session_<person id>`.

    As on the attendance list, a field for someone not on the list makes the form invalid.
    """

    def __init__(self, *args, people, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)
        choices = [("", _("not chosen")), *((s.pk, session_label(s)) for s in sessions)]
        for person in self.people:
            self.fields[f"session_{person.pk}"] = forms.TypedChoiceField(
                label=person.full_name,
                required=False,
                choices=choices,
                coerce=int,
                empty_value=None,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    @property
    def rows(self):
        return [(person, self[f"session_{person.pk}"]) for person in self.people]

    def clean(self):
        cleaned = super().clean()
        known = {person.pk for person in self.people}
        sent = {int(m.group(1)) for key in self.data if (m := _SESSION_FIELD.match(key))}
        if sent - known:
            raise ValidationError(
                _(
                    "The list includes unknown people who are not in this department. "
                    "Reload the page and try again."
                ),
                code="unknown_people",
            )
        return cleaned

    def choices(self) -> dict[int, int | None]:
        """Person id → session id (None: no session) for everyone on the list."""
        return {person.pk: self.cleaned_data.get(f"session_{person.pk}") for person in self.people}
