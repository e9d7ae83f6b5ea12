"""A department's staff: who works there in which roles, and bringing them in from a CSV file.

The writes are here (`person_save`, `staff_import_apply`); so is the one read the staff page needs
(`department_staff`), because it belongs to nothing else. The department passed in has always been
loaded through `pilots.selectors` by the caller, so everything here stays inside its municipality.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pilots.access import Scope, scope_for
from pilots.models import Department, DepartmentRole, Language, Person

Role = DepartmentRole.Role
ROLE_ORDER = {code: index for index, code in enumerate(Role.values)}


# --- Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    person: Person
    roles: list[DepartmentRole]

    @property
    def role_labels(self) -> str:
        return ", ".join(str(role.get_role_display()) for role in self.roles)

    @property
    def position_percent(self) -> int | None:
        return next((r.position_percent for r in self.roles if r.position_percent), None)


def department_staff(*, people: QuerySet[Person], department: Department) -> list[StaffMember]:
    """Everyone in `people` (a scoped queryset) with a role in the department: two queries."""
    members = (
        people.filter(department_roles__department=department)
        .distinct()
        .prefetch_related(
            Prefetch(
                "department_roles",
                queryset=DepartmentRole.objects.filter(department=department).order_by("pk"),
                to_attr="roles_here",
            )
        )
        .order_by("full_name", "pk")
    )
    return [
        StaffMember(person=p, roles=sorted(p.roles_here, key=lambda r: ROLE_ORDER[r.role]))
        for p in members
    ]


def person_roles_in(*, person: Person, department: Department) -> list[DepartmentRole]:
    return sorted(
        DepartmentRole.objects.filter(person=person, department=department),
        key=lambda r: ROLE_ORDER[r.role],
    )


def person_details_editable(*, person: Person, scope: Scope) -> bool:
    """May this user change the person's name, e-mail, phone and language?

    Coordinators may. A department leader may only for people who work nowhere but in
    departments they lead and hold no programme role: a leader must not rename a colleague in
    another department or the lean coordinator.
    """
    if scope.can_manage_programme():
        return True
    if person.programme_roles.exists():
        return False
    departments = set(person.department_roles.values_list("department_id", flat=True))
    return departments <= scope.led_department_ids


# --- Adding and editing one person ----------------------------------------------------------


@dataclass(frozen=True)
class PersonSaveResult:
    person: Person
    created: bool
    # True when the e-mail belonged to someone elsewhere in the municipality with the same name,
    # and that person was given the roles instead of a second, clashing person being created.
    attached_existing: bool = False


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _email_taken_error() -> ValidationError:
    return ValidationError(
        {
            "email": _(
                "Another person in the municipality already has this e-mail address. "
                "Each person needs their own work e-mail."
            )
        },
        code="email_taken",
    )


def person_save(
    *,
    user,
    department: Department,
    person: Person | None,
    full_name: str,
    email: str,
    phone: str,
    language: str,
    roles: Iterable[str],
    position_percent: int | None,
) -> PersonSaveResult:
    """Create or update a person and set their roles in this department (and only this one).

    Adding someone whose e-mail is already registered elsewhere in the municipality under the same
    name gives that person the roles; their own details are left as they are. Raises
    ValidationError with errors keyed by field name, and PermissionDenied when the user may not
    manage this department's staff or change this person's details.
    """
    scope = scope_for(user)
    scope.require(scope.can_manage_staff(department))
    if (
        person is not None
        and person.pk is not None
        and not person_details_editable(person=person, scope=scope)
    ):
        stored = Person.objects.values("full_name", "email", "phone", "language").get(pk=person.pk)
        scope.require(
            stored
            == {
                "full_name": " ".join(full_name.split()),
                "email": email.strip(),
                "phone": phone.strip(),
                "language": language,
            }
        )
    roles = set(roles)
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")}, code="no_roles")
    email = email.strip()
    try:
        with transaction.atomic():
            return _person_save(
                department=department,
                person=person,
                full_name=" ".join(full_name.split()),
                email=email,
                phone=phone.strip(),
                language=language,
                roles=roles,
                position_percent=position_percent,
            )
    except IntegrityError:
        # Someone saved the same e-mail between our check and our insert.
        if _email_clash(department=department, email=email, person=person) is not None:
            raise _email_taken_error() from None
        raise


def _email_clash(*, department: Department, email: str, person: Person | None) -> Person | None:
    clashes = Person.objects.filter(municipality_id=department.municipality_id, email__iexact=email)
    if person is not None and person.pk is not None:
        clashes = clashes.exclude(pk=person.pk)
    return clashes.first()


def _person_save(
    *,
    department: Department,
    person: Person | None,
    full_name: str,
    email: str,
    phone: str,
    language: str,
    roles: set[str],
    position_percent: int | None,
) -> PersonSaveResult:
    created = person is None
    attached = False
    clash = _email_clash(department=department, email=email, person=person)
    if clash is not None:
        in_department = clash.department_roles.filter(department=department).exists()
        if created and in_department:
            raise ValidationError(
                {"email": _("A person with this e-mail address is already in this department.")},
                code="email_in_department",
            )
        if not created or not _same_name(clash.full_name, full_name):
            raise _email_taken_error()
        person, created, attached = clash, False, True
    else:
        if person is None:
            person = Person(municipality_id=department.municipality_id)
        person.full_name = full_name
        person.email = email
        person.phone = phone
        person.language = language
        person.full_clean()
        person.save()

    current = {
        r.role: r for r in DepartmentRole.objects.filter(person=person, department=department)
    }
    DepartmentRole.objects.filter(
        person=person, department=department, role__in=set(current) - roles
    ).delete()
    for code in sorted(roles, key=ROLE_ORDER.__getitem__):
        role = current.get(code) or DepartmentRole(person=person, department=department, role=code)
        if role.pk is not None and role.position_percent == position_percent:
            continue
        role.position_percent = position_percent
        role.full_clean()
        role.save()
    return PersonSaveResult(person=person, created=created, attached_existing=attached)


# --- Importing from CSV ---------------------------------------------------------------------

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 2000

COLUMNS = {
    "name": _("name"),
    "email": _("e-mail"),
    "role": _("role"),
}
_HEADER_ALIASES = {
    "name": {"name", "full name", "navn", "fullt navn", "namn", "fullt namn"},
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
    "role": {"role", "rolle"},
}
# Besides the code names and the labels in every catalog: the words people write in Norway.
_ROLE_ALIASES = {
    Role.STAFF: {"ansatt", "tilsett", "employee"},
    Role.DEPARTMENT_LEADER: {"avdelingsleder", "avdelingsleiar"},
    Role.UNION_REP: {"tillitsvalgt", "tillitsvald", "union representative"},
    Role.SAFETY_REP: {"verneombud", "safety representative"},
}
_DELIMITERS = (";", ",", "\t")


def _normalise_word(value: str) -> str:
    return " ".join(value.replace("_", " ").replace("-", " ").split()).casefold()


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
    role: str = ""
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


def _read_records(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The column positions from the header row and the data records with their row numbers.

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
    _header_number, header = records[0]
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        word = _normalise_word(cell.lstrip("\ufeff"))
        for column, aliases in _HEADER_ALIASES.items():
            if word in {_normalise_word(a) for a in aliases} and column not in positions:
                positions[column] = index
    missing = [str(COLUMNS[c]) for c in COLUMNS if c not in positions]
    if missing:
        raise StaffImportFileError(
            _("The first row must name the columns: name, e-mail and role. Missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    if len(records) == 1:
        raise StaffImportFileError(_("The file has a header row but no people."))
    return positions, records[1:]


def _cell(record: list[str], index: int) -> str:
    return record[index].strip() if index < len(record) else ""


def staff_import_preview(*, department: Department, data: bytes | str) -> StaffImportPreview:
    """What importing the file would do, row by row, with every error found. Writes nothing.

    Raises StaffImportFileError when the file as a whole cannot be read.
    """
    text = data if isinstance(data, str) else staff_import_decode(data=data)
    positions, records = _read_records(text)
    preview = StaffImportPreview(text=text)
    roles = _role_lookup()
    for number, record in records:
        row = ImportRow(
            number=number,
            name=" ".join(_cell(record, positions["name"]).split()),
            email=_cell(record, positions["email"]),
            role_text=_cell(record, positions["role"]),
        )
        _check_row(row, roles)
        preview.rows.append(row)
    _plan(preview, department=department)
    return preview


def _check_row(row: ImportRow, roles: dict[str, str]) -> None:
    name_limit = Person._meta.get_field("full_name").max_length
    email_limit = Person._meta.get_field("email").max_length
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


def _people_by_email(*, department: Department, emails: Iterable[str]) -> dict[str, Person]:
    """The municipality's people with these addresses, keyed by the lower-cased address."""
    people = Person.objects.annotate(email_key=Lower("email")).filter(
        municipality_id=department.municipality_id, email_key__in=sorted(set(emails))
    )
    return {person.email_key: person for person in people}


def _plan(preview: StaffImportPreview, *, department: Department) -> None:
    """Fill in each valid row's action against the database and the rows above it."""
    existing = _people_by_email(
        department=department, emails=(row.email.lower() for row in preview.rows if row.email)
    )
    has_role = set(
        DepartmentRole.objects.filter(
            department=department, person__in=list(existing.values())
        ).values_list("person_id", "role")
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
        if row.name and person is not None and not _same_name(person.full_name, row.name):
            row.errors.append(
                RowError(
                    "name",
                    _(
                        "This e-mail address is already registered in the municipality "
                        "under another name. Check the name or the address."
                    ),
                )
            )
        elif row.name and earlier and earlier.name and not _same_name(earlier.name, row.name):
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
            preview = staff_import_preview(department=department, data=text)
            if not preview.is_valid:
                raise StaffImportInvalid(preview)
            return _apply(preview, department=department)
    except IntegrityError as exc:
        raise StaffImportFileError(
            _("The staff changed while importing, so nothing was imported. Please try again.")
        ) from exc


def _apply(preview: StaffImportPreview, *, department: Department) -> StaffImportResult:
    people = _people_by_email(department=department, emails=(r.email.lower() for r in preview.rows))
    created = 0
    new_roles = []
    for row in preview.rows:
        if row.action == Action.UNCHANGED:
            continue
        key = row.email.lower()
        person = people.get(key)
        if person is None:
            person = Person(
                municipality_id=department.municipality_id, full_name=row.name, email=row.email
            )
            # Uniqueness was checked for the whole file above; the constraint is the backstop.
            person.full_clean(validate_unique=False, validate_constraints=False)
            person.save()
            people[key] = person
            created += 1
        role = DepartmentRole(person=person, department=department, role=row.role)
        role.full_clean(validate_unique=False, validate_constraints=False)
        new_roles.append(role)
    DepartmentRole.objects.bulk_create(new_roles)
    return StaffImportResult(people_created=created, roles_added=len(new_roles))
