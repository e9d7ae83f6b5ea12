"""Bringing a department's staff in from a CSV file, such as an HR system's export.

A preview reads the whole file and says, row by row, what would happen and what is wrong; the
import then applies it all or nothing, checking the file again against the database as it is now.
Leaders bring in new people only, under the same rule as adding one person (`pilots.staff`).
"""

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pilots import audit
from pilots.access import Scope, scope_for
from pilots.calendar import local_today
from pilots.models import Department, DepartmentRole, Language, Person, ProgrammeRole
from pilots.staff import Role, email_unavailable_message, may_take, same_name

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 2000

# What a row error points at, in the words the preview shows.
COLUMNS = {
    "name": _("name"),
    "email": _("e-mail"),
    "phone": _("phone"),
    "role": _("role"),
    "position_percent": _("position (%)"),
}
# The column names people and HR systems write, compared by `_header_key` (case, accents,
# spaces and punctuation do not matter). Any other column is named in the preview as not imported.
_HEADER_ALIASES = {
    "name": {"name", "full name", "navn", "fullt navn", "namn", "fullt namn"},
    "first_name": {"first name", "given name", "fornavn", "førenamn", "fornamn"},
    "last_name": {"last name", "surname", "family name", "etternavn", "etternamn"},
    "email": {
        "email",
        "e-mail",
        "e-mail address",
        "email address",
        "work e-mail",
        "e-post",
        "epost",
        "e-postadresse",
        "epostadresse",
    },
    "phone": {
        "phone",
        "mobile",
        "telefon",
        "telefonnummer",
        "tlf",
        "mobil",
        "mobilnummer",
        "mobiltelefon",
    },
    "role": {"role", "rolle"},
    # A job title is used only where it names one of our roles ("Avdelingsleder").
    "job_title": {"job title", "stilling", "stillingstittel", "stillingsnavn", "tittel"},
    "position_percent": {
        "position percent",
        "position %",
        "stillingsprosent",
        "stillingsprosent %",
        "stillingsandel",
        "stilling %",
    },
}
# Besides the code names and the labels in every catalog: the words people write in Norway.
_ROLE_ALIASES = {
    Role.STAFF: {"ansatt", "tilsett", "employee"},
    Role.DEPARTMENT_LEADER: {"avdelingsleder", "avdelingsleiar"},
    Role.UNION_REP: {"tillitsvalgt", "tillitsvald", "union representative"},
    Role.SAFETY_REP: {"verneombud", "safety representative"},
}
_DELIMITERS = (";", ",", "\t")

# The downloadable template: what an HR export most often looks like, with one example row.
IMPORT_TEMPLATE_ROWS = (
    ("Fornavn", "Etternavn", "E-post", "Telefon", "Rolle", "Stillingsprosent"),
    ("Kari", "Nordmann", "kari.nordmann@example.no", "+47 900 00 000", "ansatt", "80"),
)


def _normalise_word(value: str) -> str:
    return " ".join(value.replace("_", " ").replace("-", " ").split()).casefold()


def _header_key(value: str) -> str:
    """“E-postadresse”, “e_post adresse” and “EPOSTADRESSE” are one key; “Stilling %” keeps %."""
    decomposed = unicodedata.normalize("NFKD", value.lstrip("\ufeff").casefold())
    return "".join(c for c in decomposed if c.isalnum() or c == "%")


_HEADER_LOOKUP = {
    _header_key(alias): column for column, aliases in _HEADER_ALIASES.items() for alias in aliases
}


def _role_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, aliases in _ROLE_ALIASES.items():
        for word in {code, *aliases}:
            lookup[_normalise_word(word)] = code
    for language in Language.values:
        with translation.override(language):
            for code, label in Role.choices:
                lookup.setdefault(_normalise_word(str(label)), code)
    return lookup


def staff_import_template() -> str:
    """The template file's text: semicolons, a BOM so Excel reads æøå, Windows line ends."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(IMPORT_TEMPLATE_ROWS)
    return out.getvalue()


class StaffImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, for the person uploading it."""


class Action:
    NEW_PERSON = "new_person"
    ADD_ROLE = "add_role"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowError:
    column: str
    message: str

    @property
    def column_label(self) -> str:
        return str(COLUMNS.get(self.column, ""))


@dataclass
class ImportRow:
    number: int
    name: str
    email: str
    role_text: str
    phone: str = ""
    percent_text: str = ""
    role: str = ""
    position_percent: int | None = None
    action: str = ""
    # The row that already brings in this person or this role, for rows that repeat it.
    same_as: int | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role else self.role_text


@dataclass
class StaffImportPreview:
    text: str
    rows: list[ImportRow] = field(default_factory=list)
    # The header labels of the columns the import does not use, as the file wrote them.
    ignored_columns: list[str] = field(default_factory=list)
    # The file has no role column, so every row without a role-naming job title is staff.
    roles_default_to_staff: bool = False

    @property
    def errors(self) -> list[tuple[ImportRow, RowError]]:
        return [(row, error) for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors

    @property
    def new_people(self) -> int:
        return sum(1 for row in self.rows if row.action == Action.NEW_PERSON)

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if row.action == Action.UNCHANGED)

    @property
    def new_roles(self) -> int:
        return sum(1 for row in self.rows if row.action in (Action.NEW_PERSON, Action.ADD_ROLE))


class StaffImportInvalid(Exception):
    def __init__(self, preview: StaffImportPreview):
        super().__init__("The staff import has errors.")
        self.preview = preview


def staff_import_decode(*, data: bytes) -> str:
    """The text of the file: UTF-8 with or without BOM, else Windows-1252 (Excel in Norway)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise StaffImportFileError(_("The file is larger than 1 MB. Split it into smaller files."))
    if b"\x00" in data:
        raise StaffImportFileError(
            _(
                "This is not a CSV file. In Excel, choose “Save as” and the type “CSV UTF-8” "
                "or “CSV (semicolon separated)”."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if not text.strip():
        raise StaffImportFileError(_("The file is empty."))
    return text


@dataclass(frozen=True)
class _Header:
    positions: dict[str, int]
    labels: list[str]

    def ignored(self, *, used: set[str]) -> list[str]:
        """The labels of every non-empty header cell not in the `used` columns."""
        kept = {self.positions[c] for c in used if c in self.positions}
        return [label for i, label in enumerate(self.labels) if label and i not in kept]


def _read_records(text: str) -> tuple[_Header, list[tuple[int, list[str]]]]:
    """The columns from the header row and the data records with their row numbers.

    Rows are numbered as a spreadsheet shows them: blank rows count, the header is usually row 1.
    """
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    records = []
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            records.append((number, record))
            if len(records) > MAX_IMPORT_ROWS + 1:
                raise StaffImportFileError(
                    _("The file has more than %(max)d rows. Split it into smaller files.")
                    % {"max": MAX_IMPORT_ROWS}
                )
    except csv.Error as exc:
        raise StaffImportFileError(
            _("The file could not be read as CSV (row %(row)d): %(reason)s")
            % {"row": reader.line_num, "reason": exc}
        ) from exc
    if not records:
        raise StaffImportFileError(_("The file is empty."))
    _header_number, header_cells = records[0]
    labels = [" ".join(cell.lstrip("\ufeff").split()) for cell in header_cells]
    positions: dict[str, int] = {}
    for index, label in enumerate(labels):
        column = _HEADER_LOOKUP.get(_header_key(label))
        if column is not None:
            positions.setdefault(column, index)
    missing = []
    if "name" not in positions and not {"first_name", "last_name"} <= positions.keys():
        missing.append(str(COLUMNS["name"]))
    if "email" not in positions:
        missing.append(str(COLUMNS["email"]))
    if missing:
        raise StaffImportFileError(
            _(
                "The first row must name the columns: name (or first name and last name) "
                "and e-mail. Missing: %(columns)s."
            )
            % {"columns": ", ".join(missing)}
        )
    if len(records) == 1:
        raise StaffImportFileError(_("The file has a header row but no people."))
    return _Header(positions=positions, labels=labels), records[1:]


def _cell(record: list[str], positions: dict[str, int], column: str) -> str:
    index = positions.get(column)
    if index is None or index >= len(record):
        return ""
    return " ".join(record[index].split())


def staff_import_preview(*, user, department: Department, data: bytes | str) -> StaffImportPreview:
    """What importing the file would do for this user, row by row, with every error found.

    Writes nothing. Raises StaffImportFileError when the file as a whole cannot be read, and
    PermissionDenied when the user may not manage this department's staff.
    """
    scope = scope_for(user)
    scope.require(scope.can_manage_staff(department))
    text = data if isinstance(data, str) else staff_import_decode(data=data)
    header, records = _read_records(text)
    positions = header.positions
    used = {"email", "phone", "role", "position_percent"}
    used |= {"name"} if "name" in positions else {"first_name", "last_name"}
    preview = StaffImportPreview(text=text, roles_default_to_staff="role" not in positions)
    roles = _role_lookup()
    for number, record in records:
        if "name" in positions:
            name = _cell(record, positions, "name")
        else:
            name = " ".join(
                filter(None, (_cell(record, positions, c) for c in ("first_name", "last_name")))
            )
        row = ImportRow(
            number=number,
            name=name,
            email=_cell(record, positions, "email"),
            role_text=_cell(record, positions, "role"),
            phone=_cell(record, positions, "phone"),
            percent_text=_cell(record, positions, "position_percent"),
        )
        job_title = _cell(record, positions, "job_title")
        if not row.role_text and _normalise_word(job_title) in roles:
            row.role_text = job_title
            used.add("job_title")
        elif not row.role_text and preview.roles_default_to_staff:
            row.role_text = Role.STAFF
        _check_row(row, roles)
        preview.rows.append(row)
    preview.ignored_columns = header.ignored(used=used)
    _plan(preview, department=department, scope=scope)
    return preview


def _parse_percent(text: str) -> int:
    """“80”, “80 %”, “80,0” and “80.5” as a whole percentage from 1 to 100; ValueError if not."""
    cleaned = "".join(text.replace("%", "").split()).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or not 1 <= value <= 100:
        raise ValueError(text)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _check_row(row: ImportRow, roles: dict[str, str]) -> None:
    name_limit = Person._meta.get_field("full_name").max_length
    email_limit = Person._meta.get_field("email").max_length
    phone_limit = Person._meta.get_field("phone").max_length
    if not row.name:
        row.errors.append(RowError("name", _("The name is missing.")))
    elif len(row.name) > name_limit:
        row.errors.append(
            RowError(
                "name",
                _("The name is longer than %(max)d characters.") % {"max": name_limit},
            )
        )
    if not row.email:
        row.errors.append(RowError("email", _("The e-mail address is missing.")))
    else:
        try:
            if len(row.email) > email_limit:
                raise ValidationError("too long")
            validate_email(row.email)
        except ValidationError:
            row.errors.append(
                RowError(
                    "email",
                    _("“%(value)s” is not a valid e-mail address.") % {"value": row.email},
                )
            )
    if len(row.phone) > phone_limit:
        row.errors.append(
            RowError(
                "phone",
                _("The phone number is longer than %(max)d characters.") % {"max": phone_limit},
            )
        )
    if not row.role_text:
        row.errors.append(RowError("role", _("The role is missing.")))
    else:
        row.role = roles.get(_normalise_word(row.role_text), "")
        if not row.role:
            row.errors.append(
                RowError(
                    "role",
                    _(
                        "Unknown role “%(value)s”. Use staff, department leader, union "
                        "representative or safety representative."
                    )
                    % {"value": row.role_text},
                )
            )
    if row.percent_text:
        try:
            row.position_percent = _parse_percent(row.percent_text)
        except ValueError:
            row.errors.append(
                RowError(
                    "position_percent",
                    _("“%(value)s” is not a position percentage from 1 to 100.")
                    % {"value": row.percent_text},
                )
            )


def _people_by_email(*, department: Department, emails: Iterable[str]) -> dict[str, Person]:
    """The municipality's people with these addresses, keyed by the lower-cased address."""
    people = Person.objects.annotate(email_key=Lower("email")).filter(
        municipality_id=department.municipality_id, email_key__in=sorted(set(emails))
    )
    return {person.email_key: person for person in people}


def _people_not_to_take(
    *, scope: Scope, department: Department, people: Iterable[Person]
) -> set[int]:
    """The ids of those people this user may not give roles to (see `may_take`): two queries."""
    people = list(people)
    if scope.can_manage_programme() or not people:
        return set()
    today = local_today()
    departments: dict[int, set[int]] = {person.pk: set() for person in people}
    left_here: set[int] = set()
    for person_id, department_id, ends_on in DepartmentRole.objects.filter(
        person__in=people
    ).values_list("person_id", "department_id", "ends_on"):
        if ends_on is None or ends_on > today:
            departments[person_id].add(department_id)
        elif department_id == department.pk:
            left_here.add(person_id)
    with_programme_role = set(
        ProgrammeRole.objects.active(today)
        .filter(person__in=people)
        .values_list("person_id", flat=True)
    )
    # As `pilots.staff._may_take_person`: the departments someone works in today; for someone
    # who works nowhere, this one if they left it.
    for person_id in left_here:
        if not departments[person_id]:
            departments[person_id] = {department.pk}
    return {
        pk
        for pk, department_ids in departments.items()
        if not may_take(
            scope=scope,
            department=department,
            department_ids=department_ids,
            has_programme_role=pk in with_programme_role,
        )
    }


def _plan(preview: StaffImportPreview, *, department: Department, scope: Scope) -> None:
    """Fill in each valid row's action against the database and the rows above it."""
    existing = _people_by_email(
        department=department, emails=(row.email.lower() for row in preview.rows if row.email)
    )
    not_to_take = _people_not_to_take(scope=scope, department=department, people=existing.values())
    has_role = set(
        DepartmentRole.objects.active()
        .filter(department=department, person__in=list(existing.values()))
        .values_list("person_id", "role")
    )
    first_row_for_email: dict[str, ImportRow] = {}
    first_row_for_role: dict[tuple[str, str], ImportRow] = {}
    for row in preview.rows:
        if not row.email or any(e.column == "email" for e in row.errors):
            continue
        key = row.email.lower()
        person = existing.get(key)
        earlier = first_row_for_email.setdefault(key, row)
        if earlier is row:
            earlier = None
        if person is not None and person.pk in not_to_take:
            # Before the name check, whose message would confirm that the address exists.
            row.errors.append(RowError("email", email_unavailable_message()))
        elif row.name and person is not None and not same_name(person.full_name, row.name):
            row.errors.append(
                RowError(
                    "name",
                    _(
                        "This e-mail address is already registered in the municipality "
                        "under another name. Check the name or the address."
                    ),
                )
            )
        elif row.name and earlier and earlier.name and not same_name(earlier.name, row.name):
            row.errors.append(
                RowError(
                    "name",
                    _(
                        "Row %(row)d has the same e-mail address with another name "
                        "(“%(name)s”). One e-mail address belongs to one person."
                    )
                    % {"row": earlier.number, "name": earlier.name},
                )
            )
        if row.errors:
            continue
        if (key, row.role) in first_row_for_role:
            row.action = Action.UNCHANGED
            row.same_as = first_row_for_role[key, row.role].number
            continue
        first_row_for_role[key, row.role] = row
        if person is not None:
            row.action = Action.UNCHANGED if (person.pk, row.role) in has_role else Action.ADD_ROLE
        elif earlier is not None:
            row.action = Action.ADD_ROLE
            row.same_as = earlier.number
        else:
            row.action = Action.NEW_PERSON


@dataclass(frozen=True)
class StaffImportResult:
    people_created: int
    roles_added: int


def staff_import_apply(*, user, department: Department, text: str) -> StaffImportResult:
    """Import the file in one transaction, checking it again against the database as it is now.

    Raises StaffImportInvalid (carrying the fresh preview) if anything in it is no longer valid,
    and StaffImportFileError if it cannot be read; in both cases nothing is written.
    """
    scope = scope_for(user)
    scope.require(scope.can_manage_staff(department))
    try:
        with transaction.atomic():
            preview = staff_import_preview(user=user, department=department, data=text)
            if not preview.is_valid:
                raise StaffImportInvalid(preview)
            return _apply(preview, user=user, department=department)
    except IntegrityError as exc:
        raise StaffImportFileError(
            _("The staff changed while importing, so nothing was imported. Please try again.")
        ) from exc


def _apply(preview: StaffImportPreview, *, user, department: Department) -> StaffImportResult:
    people = _people_by_email(department=department, emails=(r.email.lower() for r in preview.rows))
    # Roles that have ended are given back rather than added twice.
    ended = {
        (role.person_id, role.role): role
        for role in DepartmentRole.objects.ended().filter(
            department=department, person__in=list(people.values())
        )
    }
    created = back_count = 0
    new_roles = []
    for row in preview.rows:
        if row.action == Action.UNCHANGED:
            continue
        key = row.email.lower()
        person = people.get(key)
        if person is None:
            person = Person(
                municipality_id=department.municipality_id,
                full_name=row.name,
                email=row.email,
                phone=row.phone,
            )
            # Uniqueness was checked for the whole file above; the constraint is the backstop.
            person.full_clean(validate_unique=False, validate_constraints=False)
            person.save()
            people[key] = person
            created += 1
        if (back := ended.get((person.pk, row.role))) is not None:
            back.ends_on = None
            back.position_percent = row.position_percent
            back.save(update_fields=["ends_on", "position_percent"])
            audit.record_role_change(user, back, audit.GRANTED, subject=person)
            back_count += 1
            continue
        role = DepartmentRole(
            person=person,
            department=department,
            role=row.role,
            position_percent=row.position_percent,
        )
        role.full_clean(validate_unique=False, validate_constraints=False)
        new_roles.append(role)
    DepartmentRole.objects.bulk_create(new_roles)
    for role in new_roles:
        audit.record_role_change(user, role, audit.GRANTED)
    return StaffImportResult(people_created=created, roles_added=len(new_roles) + back_count)
