"""Reading the charts back: the SVG as XML, its texts, and the numbers table of a page."""

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses only the app's own templates' output

NS = "{http://www.w3.org/2000/svg}"


def svg_root(svg: str) -> ET.Element:
    """The SVG parsed as XML; a chart that is not well-formed XML fails here."""
    return ET.fromstring(svg)  # noqa: S314 - the app's own output, no external entities


def svgs_in(html: str) -> list[str]:
    """The charts of a page (not its icons)."""
    return re.findall(r'<svg\b[^>]*class="(?:chart|run-chart)\b.*?</svg>', html, flags=re.S)


def texts(root: ET.Element, css: str) -> list[str]:
    return [element.text for element in root.iter(f"{NS}text") if element.get("class") == css]
