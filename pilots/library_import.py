"""Bringing earlier processes into the learning library from a CSV or Excel (.xlsx) file.

As the staff import (`pilots.staff_import`): a preview reads the whole file and lists every row
with its errors, field by field; nothing is written until every row is valid and the coordinator
confirms, and then all rows are written in one transaction after checking them again against
the library as it is now. A process already in the library (the same title and year) is an
error, so importing the same file twice adds nothing twice.
"""

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pilots.access import scope_for
from pilots.models import Department, EarlierProcess, Language, Municipality
from pilots.staff_import import StaffImportFileError, staff_import_decode

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
# An .xlsx file is a zip archive: one that unpacks to far more than it weighs is refused
# before openpyxl opens it (a "zip bomb").
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 30

COLUMNS = {
    "title": _("title"),
    "year": _("year"),
    "department": _("department"),
    "service_area": _("service area"),
    "outcome_category": _("how it ended"),
    "description": _("what was done"),
    "outcome": _("outcome"),
    "lessons_learned": _("lessons learned"),
}
_HEADER_ALIASES = {
    "title": {"title", "tittel", "prosess", "navn", "namn", "name"},
    "year": {"year", "år", "aar", "årstall"},
    "department": {"department", "avdeling", "enhet", "eining"},
    "service_area": {"service area", "tjenesteområde", "tenesteområde", "sektor"},
    "outcome_category": {
        "how it ended",
        "outcome category",
        "status",
        "utfall",
        "resultatkategori",
        "hvordan det endte",
        "korleis det enda",
    },
    "description": {"description", "what was done", "beskrivelse", "skildring", "hva ble gjort"},
    "outcome": {"outcome", "result", "resultat"},
    "lessons_learned": {
        "lessons learned",
        "lessons",
        "erfaringer",
        "erfaringar",
        "lærdom",
        "læring",
    },
}
_OUTCOME_ALIASES = {
    EarlierProcess.Outcome.COMPLETED: {"gjennomført", "gjennomfort", "fullført", "ferdig", "done"},
    EarlierProcess.Outcome.PARTLY: {"delvis", "delvis gjennomført", "partly"},
    EarlierProcess.Outcome.STOPPED: {"stoppet", "stoppa", "avbrutt", "avbroten", "stopped"},
    EarlierProcess.Outcome.UNKNOWN: {"ukjent", "ukjend", "vet ikke", ""},
}
_DELIMITERS = (";", ",", "\t")

IMPORT_TEMPLATE_ROWS = (
    (
        "Tittel",
        "År",
        "Avdeling",
        "Tjenesteområde",
        "Utfall",
        "Beskrivelse",
        "Resultat",
        "Erfaringer",
    ),
    (
        "Inntak ved voksenopplæringen",
        "2023",
        "",
        "Oppvekst og utdanning",
        "gjennomført",
        "Kartla saksgangen fra søknad til oppstart.",
        "Kortere ventetid fra søknad til oppstart.",
        "Gevinstene må dokumenteres som realisert.",
    ),
)


def _key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.lstrip("\ufeff").casefold())
    return "".join(c for c in decomposed if c.isalnum())


_HEADER_LOOKUP = {
    _key(alias): column for column, aliases in _HEADER_ALIASES.items() for alias in aliases
}


def _outcome_lookup() -> dict[str, str]:
    lookup = {}
    for code, aliases in _OUTCOME_ALIASES.items():
        for word in {code, *aliases}:
            lookup[_key(word)] = code
    for language in Language.values:
        with translation.override(language):
            for code, label in EarlierProcess.Outcome.choices:
                lookup.setdefault(_key(str(label)), code)
    return lookup


def library_import_template() -> str:
    """The template file's text: semicolons, a BOM so that Excel reads æøå, Windows line ends."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(IMPORT_TEMPLATE_ROWS)
    return out.getvalue()


class LibraryImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, to the coordinator."""


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
    cells: dict[str, str]
    process: EarlierProcess | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        if self.process is not None:
            return str(self.process.get_outcome_category_display())
        return self.cells.get("outcome_category", "")


@dataclass(frozen=True)
class ImportFile:
    """What was read from the file, as plain data: the confirm step signs it and reads it back."""

    # (row number as a spreadsheet shows it, {column: text}) for each data row.
    records: list[tuple[int, dict[str, str]]]
    # The header's labels that name no column the import knows.
    ignored_columns: list[str] = field(default_factory=list)

    def as_data(self) -> dict:
        return {"records": self.records, "ignored": self.ignored_columns}

    @classmethod
    def from_data(cls, data: dict) -> "ImportFile":
        """Back from `as_data` (after a signature check); TypeError/ValueError if malformed."""
        records = [
            (int(number), {str(k): str(v) for k, v in cells.items()})
            for number, cells in data["records"]
        ]
        return cls(records=records, ignored_columns=[str(c) for c in data["ignored"]])


@dataclass
class LibraryImportPreview:
    file: ImportFile
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def ignored_columns(self) -> list[str]:
        return self.file.ignored_columns

    @property
    def errors(self) -> list[tuple[ImportRow, RowError]]:
        return [(row, error) for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors


class LibraryImportInvalid(Exception):
    def __init__(self, preview: LibraryImportPreview):
        super().__init__("The library import has errors.")
        self.preview = preview


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d.%m.%Y")
    return " ".join(str(value).split())


def _too_many_rows() -> LibraryImportFileError:
    return LibraryImportFileError(
        _("The file has more than %(max)d rows. Split it into smaller files.")
        % {"max": MAX_IMPORT_ROWS}
    )


def _grid_from_csv(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = staff_import_decode(data=data)
    except StaffImportFileError as error:
        raise LibraryImportFileError(str(error)) from error
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    grid = []
    try:
        for number, record in enumerate(reader, start=1):
            if any(cell.strip() for cell in record):
                grid.append((number, [_text(cell) for cell in record[:MAX_COLUMNS]]))
            if len(grid) > MAX_IMPORT_ROWS + 1:
                raise _too_many_rows()
    except csv.Error as exc:
        raise LibraryImportFileError(
            _("The file could not be read as CSV (row %(row)d): %(reason)s")
            % {"row": reader.line_num, "reason": exc}
        ) from exc
    return grid


def _grid_from_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    unreadable = LibraryImportFileError(
        _("The Excel file could not be read. Save it again as .xlsx, or as CSV, and retry.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise unreadable from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise LibraryImportFileError(
            _("The Excel file holds too much data. Split it into smaller files.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise unreadable from exc
    try:
        sheet = workbook.worksheets[0]
        grid = []
        for number, values in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            cells = [_text(value) for value in values]
            if any(cells):
                grid.append((number, cells))
            if len(grid) > MAX_IMPORT_ROWS + 1:
                raise _too_many_rows()
    except LibraryImportFileError:
        raise
    except Exception as exc:
        raise unreadable from exc
    finally:
        workbook.close()
    return grid


def library_import_read(*, data: bytes, name: str = "") -> ImportFile:
    """The file's data rows, with its header's columns checked.

    Raises LibraryImportFileError when the file as a whole cannot be read."""
    if len(data) > MAX_IMPORT_BYTES:
        raise LibraryImportFileError(
            _("The file is larger than 2 MB. Split it into smaller files.")
        )
    if not data.strip():
        raise LibraryImportFileError(_("The file is empty."))
    is_xlsx = data[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx")
    grid = _grid_from_xlsx(data) if is_xlsx else _grid_from_csv(data)
    if not grid:
        raise LibraryImportFileError(_("The file is empty."))
    _number, header = grid[0]
    positions: dict[str, int] = {}
    ignored = []
    for index, label in enumerate(header):
        column = _HEADER_LOOKUP.get(_key(label))
        if column is not None and column not in positions:
            positions[column] = index
        elif label:
            ignored.append(label)
    missing = [str(COLUMNS[c]) for c in ("title", "year") if c not in positions]
    if missing:
        raise LibraryImportFileError(
            _("The first row must name the columns, at least title and year. Missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    if len(grid) == 1:
        raise LibraryImportFileError(_("The file has a header row but no processes."))
    records = []
    for number, cells in grid[1:]:
        records.append(
            (
                number,
                {
                    column: cells[index] if index < len(cells) else ""
                    for column, index in positions.items()
                },
            )
        )
    return ImportFile(records=records, ignored_columns=ignored)


def library_import_preview(*, user, file: ImportFile) -> LibraryImportPreview:
    """What importing the rows would do, each with its errors. Writes nothing; PermissionDenied
    when the user may not curate the library."""
    scope = scope_for(user)
    municipality_id = scope.municipality_id
    scope.require(scope.can_curate_library(municipality_id=municipality_id))
    preview = LibraryImportPreview(file=file)
    departments = dict(
        Department.objects.filter(municipality_id=municipality_id)
        .annotate(key=Lower("name"))
        .values_list("key", "pk")
    )
    existing = set(
        EarlierProcess.objects.filter(municipality_id=municipality_id)
        .annotate(key=Lower("title"))
        .values_list("key", "year")
    )
    outcomes = _outcome_lookup()
    seen: dict[tuple[str, int], int] = {}
    for number, cells in file.records:
        row = ImportRow(number=number, cells=cells)
        _check_row(row, municipality_id=municipality_id, departments=departments, outcomes=outcomes)
        process = row.process
        if process is not None and not any(e.column in ("title", "year") for e in row.errors):
            key = (process.title.lower(), process.year)
            if key in existing:
                row.errors.append(
                    RowError("title", _("This process is already in the library for that year."))
                )
            elif key in seen:
                row.errors.append(
                    RowError(
                        "title",
                        _("Row %(row)d has the same title and year.") % {"row": seen[key]},
                    )
                )
            else:
                seen[key] = number
        preview.rows.append(row)
    return preview


def _check_row(
    row: ImportRow, *, municipality_id: int, departments: dict[str, int], outcomes: dict[str, str]
) -> None:
    cells = row.cells
    year = None
    year_text = cells.get("year", "")
    if not year_text:
        row.errors.append(RowError("year", _("The year is missing.")))
    else:
        try:
            year = int(year_text.replace(" ", ""))
        except ValueError:
            row.errors.append(
                RowError("year", _("“%(value)s” is not a year.") % {"value": year_text})
            )
    department_id = None
    if department_name := cells.get("department", ""):
        department_id = departments.get(department_name.lower())
        if department_id is None:
            row.errors.append(
                RowError(
                    "department",
                    _("There is no department named “%(value)s” in the municipality.")
                    % {"value": department_name},
                )
            )
    outcome_text = cells.get("outcome_category", "")
    outcome = outcomes.get(_key(outcome_text))
    if outcome is None:
        row.errors.append(
            RowError(
                "outcome_category",
                _("Unknown outcome “%(value)s”. Use completed, partly, stopped or unknown.")
                % {"value": outcome_text},
            )
        )
    process = EarlierProcess(
        municipality_id=municipality_id,
        department_id=department_id,
        year=year if year is not None else 0,
        title=cells.get("title", ""),
        service_area=cells.get("service_area", ""),
        outcome_category=outcome or EarlierProcess.Outcome.UNKNOWN,
        description=cells.get("description", ""),
        outcome=cells.get("outcome", ""),
        lessons_learned=cells.get("lessons_learned", ""),
    )
    # Django's own messages for what the model checks (blank, too long, out of range).
    exclude = {"municipality", "department"} | ({"year"} if year is None else set())
    try:
        process.clean_fields(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = name if name in COLUMNS else ""
            row.errors.extend(RowError(column, message) for message in messages)
    row.process = process


@dataclass(frozen=True)
class LibraryImportResult:
    created: int


def library_import_apply(*, user, file: ImportFile) -> LibraryImportResult:
    """Write every row in one transaction, after checking them again; nothing if any fails.

    Raises LibraryImportInvalid (with the fresh preview) when a row is no longer valid."""
    with transaction.atomic():
        # One import at a time per municipality, so that two cannot both add the same process.
        Municipality.objects.select_for_update().filter(pk=scope_for(user).municipality_id).first()
        preview = library_import_preview(user=user, file=file)
        if not preview.is_valid:
            raise LibraryImportInvalid(preview)
        created = EarlierProcess.objects.bulk_create([row.process for row in preview.rows])
    return LibraryImportResult(created=len(created))
