"""The PDF document every report is drawn on: fonts, the running header and footer, and the few
building blocks (headings, paragraphs, lists, tables, run charts) the reports are made of.

fpdf2 draws the PDF in pure Python, so `make install` brings everything it needs (see the README,
"PDF reports"). The text is set in Source Sans Pro, a free font installed from PyPI
(`font-source-sans-pro`): PDF's own core fonts know Latin-1 only, and Norwegian text needs the
en dash, the ellipsis and the quotation marks « » as well as æ, ø and å.

Whatever the user typed is passed through `printable` before it is drawn: a character the font
has no glyph for (an emoji, say) becomes "?", and control characters are dropped, so no text a
person can type makes the download fail.
"""

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import font_source_sans_pro
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode

FAMILY = "sourcesans"
_FONT_FILES = {
    "": "SourceSansPro",
    "B": "SourceSansProBold",
    "I": "SourceSansProIt",
}
REPLACEMENT = "?"
# Where the number of pages goes until the document is finished; no one types this.
PAGES_ALIAS = "{lp-pages}"

TEXT_SIZE = 10
SMALL_SIZE = 8.5
LINE = 5
TEXT_COLOUR = (33, 37, 41)
MUTED_COLOUR = (89, 89, 89)
HEADING_COLOUR = (10, 61, 98)
RULE_COLOUR = (208, 212, 217)
HEADER_FILL = (233, 238, 243)
# A table cell holds at most this much of a long text, so that a row always fits on a page.
CELL_MAX_CHARS = 600

_SVG_FONT = re.compile(r'font-family="[^"]*"')
_SVG_NOT_DRAWN = re.compile(r"<(title|desc)\b[^>]*>.*?</\1>", re.DOTALL)
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Zl", "Zp"}


@cache
def _font_path(style: str) -> str:
    return font_source_sans_pro.font_files_ttf[_FONT_FILES[style]]


@cache
def _covered() -> frozenset[int]:
    """The characters the text font has glyphs for (read once per process)."""
    pdf = FPDF()
    pdf.add_font(FAMILY, "", _font_path(""))
    return frozenset(pdf.fonts[FAMILY].cmap)


def printable(text) -> str:
    """`text` as the font can draw it: glyphless characters replaced, control characters gone."""
    if text is None:
        return ""
    covered = _covered()
    out = []
    for char in unicodedata.normalize("NFC", str(text)):
        if char == "\n":
            out.append(char)
        elif char == "\t":
            out.append(" ")
        elif ord(char) in covered:
            out.append(char)
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            out.append(REPLACEMENT)
    return "".join(out)


def shorten(text, limit: int = CELL_MAX_CHARS) -> str:
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # a share of the page's width
    align: str = "LEFT"


class ReportDocument(FPDF):
    """An A4 page with the municipality and the date at the top and "Page 1 of 3" at the bottom.

    `header_lines` are the right-hand lines under the municipality: what the document is, and
    where its plan (or plans) stand in approval. The texts are in the active language.
    """

    def __init__(
        self,
        *,
        municipality: str,
        date_text: str,
        title: str,
        header_lines: Sequence[str] = (),
        language: str = "nb",
    ):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for style in _FONT_FILES:
            self.add_font(FAMILY, style, _font_path(style))
        self.municipality = printable(municipality)
        self.date_text = printable(date_text)
        self.document_title = printable(title)
        self.header_lines = [printable(line) for line in header_lines]
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(self.document_title)
        self.set_author(self.municipality)
        self.set_creator("leanprogram")
        self.set_lang(language)
        self.set_text_color(*TEXT_COLOUR)
        self.add_page()

    # Running header and footer

    def header(self):
        self.set_y(10)
        self.set_font(FAMILY, "B", SMALL_SIZE + 1)
        self.set_text_color(*TEXT_COLOUR)
        self.cell(self.epw / 2, 4.5, self.municipality)
        self.cell(self.epw / 2, 4.5, self.date_text, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", SMALL_SIZE)
        self.set_text_color(*MUTED_COLOUR)
        for line in [self.document_title, *self.header_lines]:
            self.multi_cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE_COLOUR)
        self.line(self.l_margin, self.get_y() + 1.5, self.w - self.r_margin, self.get_y() + 1.5)
        self.set_text_color(*TEXT_COLOUR)
        self.set_y(self.get_y() + 5)

    def footer(self):
        self.set_y(-13)
        self.set_font(FAMILY, "", SMALL_SIZE)
        self.set_text_color(*MUTED_COLOUR)
        text = _("Page %(number)s of %(total)s") % {"number": self.page_no(), "total": PAGES_ALIAS}
        self.cell(0, 5, text, align="C")
        self.set_text_color(*TEXT_COLOUR)

    # Building blocks

    def document_heading(self, text: str, subtitle: str = ""):
        self.set_font(FAMILY, "B", 18)
        self.set_text_color(*HEADING_COLOUR)
        self.multi_cell(0, 8, printable(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*TEXT_COLOUR)
        if subtitle:
            self.set_font(FAMILY, "", TEXT_SIZE + 1)
            self.multi_cell(0, 6, printable(subtitle), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def heading(self, text: str, *, level: int = 1, keep: float = 0):
        """A heading that never stands alone at the foot of a page: it moves on to the next
        page unless some lines of text, or `keep` mm of what follows it, fit below it."""
        size = {1: 14, 2: 12}.get(level, 11)
        if self.will_page_break(max(25, keep + 12)):
            self.add_page()
        self.ln(3 if level == 1 else 1.5)
        self.set_font(FAMILY, "B", size)
        self.set_text_color(*HEADING_COLOUR)
        self.multi_cell(0, size * 0.5, printable(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*TEXT_COLOUR)
        self.ln(1)

    def paragraph(self, text: str, *, muted: bool = False, bold: bool = False, size=TEXT_SIZE):
        self.set_font(FAMILY, "B" if bold else "", size)
        if muted:
            self.set_text_color(*MUTED_COLOUR)
        self.multi_cell(0, LINE, printable(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*TEXT_COLOUR)
        self.ln(1)

    def items(self, texts: Sequence[str], *, numbered: bool = False):
        self.set_font(FAMILY, "", TEXT_SIZE)
        for number, text in enumerate(texts, start=1):
            marker = f"{number}." if numbered else "•"
            self.cell(6, LINE, marker)
            self.multi_cell(0, LINE, printable(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def data_table(
        self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *, bold_last: bool = False
    ):
        """A table with a header row repeated on every page it runs over; long cells are cut."""
        self.set_font(FAMILY, "", SMALL_SIZE + 0.5)
        self.set_draw_color(*RULE_COLOUR)
        aligns = [column.align for column in columns]
        with super().table(
            col_widths=[column.width for column in columns],
            width=self.epw,
            text_align=aligns,
            line_height=4.3,
            padding=1.2,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
            cell_fill_mode=TableCellFillMode.NONE,
            v_align="TOP",
        ) as table:
            heading = table.row()
            for column in columns:
                heading.cell(printable(column.heading))
            for index, values in enumerate(rows):
                last = bold_last and index == len(rows) - 1
                row = table.row(style=FontFace(emphasis="BOLD") if last else None)
                for value in values:
                    row.cell(shorten(value))
        self.ln(3)

    def chart_height(self, chart, width: float | None = None) -> float:
        return (width or self.epw) * chart.height / chart.width

    def chart(self, chart, *, width: float | None = None):
        """A run chart (`plans.charts.run_chart`) drawn from the same SVG the pages show; its
        title and description are for screen readers, and the PDF has the figures beside it."""
        svg = render_to_string("plans/_run_chart.svg", {"chart": chart})
        svg = _SVG_NOT_DRAWN.sub("", svg)
        svg = _SVG_FONT.sub(f'font-family="{FAMILY}"', printable(svg))
        width = width or self.epw
        height = self.chart_height(chart, width)
        if self.will_page_break(height + 2):
            self.add_page()
        self.image(io.BytesIO(svg.encode()), x=self.l_margin, w=width, h=height)
        self.ln(3)

    def render(self) -> bytes:
        return bytes(self.output())
