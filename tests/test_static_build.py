"""The committed stylesheet bundle, static/build/app.css, is current: no Node needed to tell.

`make css` (frontend/build.mjs) builds it from Bootstrap, purged down to the classes our markup
uses, and our own static/css/*.css. What these tests cover, precisely:

- our own stylesheets and the vendored Bootstrap: any change to the bytes of
  static/vendor/bootstrap/bootstrap.min.css or of a static/css/*.css file, or a stylesheet added to
  or removed from static/css/, makes the bundle stale (the build records a sha256 over them);
- the markup: every Bootstrap rule whose selector names only classes written out whole in a
  template's class="..." attribute, in a class or css_class a Python form sets, or in a classList
  call of our scripts (and no attribute), has its classes in the bundle.
  A class a template assembles from parts ("text-bg-{{ colour }}") is kept by the build's prefix
  rule and not checked here, nor is a class written in any other way.
"""

import hashlib
import re
from pathlib import Path

from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
BUNDLE = STATIC / "build" / "app.css"
BOOTSTRAP = "vendor/bootstrap/bootstrap.min.css"
APPS = ["leanprogram", "pilots", "training", "plans", "followup"]
STALE = "static/build/app.css is stale: run `make css` and commit the result"


def _sources() -> list[str]:
    own = sorted(path.name for path in (STATIC / "css").glob("*.css"))
    return [BOOTSTRAP, *(f"css/{name}" for name in own)]


def _bundle() -> str:
    return BUNDLE.read_text(encoding="utf-8")


def test_bundle_is_built_from_the_current_stylesheets():
    digest = hashlib.sha256()
    for source in _sources():
        digest.update(source.encode() + b"\0" + (STATIC / source).read_bytes() + b"\0")

    header = _bundle().split("*/", 1)[0]

    assert f"sources-sha256={digest.hexdigest()}" in header, STALE
    assert ", ".join(_sources()) in header, STALE


_TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_CLASS_NAME = re.compile(r"[A-Za-z][\w-]*")


def _class_names(text: str) -> set[str]:
    words = _TEMPLATE_TAG.sub(" ", text).split()
    return {w for w in words if _CLASS_NAME.fullmatch(w) and not w.endswith("-")}


def _classes_in_markup() -> dict[str, str]:
    """Each class name written whole in the markup, and one file that writes it."""
    found: dict[str, str] = {}
    sources = [
        (path, re.compile(r'class="([^"]*)"'))
        for path in sorted(TEMPLATES.rglob("*"))
        if path.suffix in {".html", ".svg"}
    ]
    sources += [
        (path, re.compile(r"""\b(?:css_)?class["']?\s*[:=]\s*["']([^"']*)["']"""))
        for app in APPS
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    sources += [
        (path, re.compile(r"""classList\.\w+\(\s*["']([^"']*)["']"""))
        for path in sorted((STATIC / "js").glob("*.js"))
    ]
    for path, pattern in sources:
        for value in pattern.findall(path.read_text(encoding="utf-8")):
            for name in _class_names(value):
                found.setdefault(name, str(path.relative_to(settings.BASE_DIR)))
    return found


def _defines(css: str, name: str) -> bool:
    return re.search(re.escape("." + name) + r"(?![\w-])", css) is not None


def _selectors(css: str) -> list[str]:
    """Every selector of every rule, with the rules inside @media and @supports."""
    preludes = re.findall(r"([^{}]+)\{", css)
    return [s.strip() for p in preludes if not p.lstrip().startswith("@") for s in p.split(",")]


def test_bundle_keeps_every_bootstrap_rule_the_markup_uses():
    bundle = _bundle()
    used = _classes_in_markup()
    # The scan must see the markup: the navbar's classes are in base.html.
    assert {"navbar", "navbar-toggler", "collapse"} <= used.keys()

    # A Bootstrap rule applies when the markup uses every class its selector names (attribute
    # selectors, such as the dark theme's, are left out): those classes must be in the bundle.
    missing = {}
    for selector in _selectors((STATIC / BOOTSTRAP).read_text(encoding="utf-8")):
        classes = re.findall(r"\.([A-Za-z][\w-]*)", selector)
        if classes and "[" not in selector and set(classes) <= used.keys():
            for name in classes:
                if not _defines(bundle, name):
                    missing.setdefault(name, f"{used[name]}: {selector}")

    assert not missing, f"{STALE}; Bootstrap classes missing from it: " + "; ".join(
        f"{name} ({where})" for name, where in sorted(missing.items())
    )


def test_pages_link_the_bundle_and_no_other_stylesheet():
    for base in ["base.html", "plans/_base_fullscreen.html"]:
        assert "{% static 'build/app.css' %}" in (TEMPLATES / base).read_text(encoding="utf-8")
    linked_elsewhere = sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"<link[^>]+stylesheet[^>]+static '(?!build/app\.css)", path.read_text())
    )
    # static/css/*.css is in the bundle: a page that links one again loads it twice.
    assert not linked_elsewhere


def test_no_template_needs_more_of_bootstraps_javascript_than_the_navbar_script():
    # Bootstrap's bundle is not shipped; static/js/navbar.js does the navbar's collapse only.
    uses = sorted(
        f"{path.relative_to(TEMPLATES)}: {attribute}"
        for path in TEMPLATES.rglob("*.html")
        for attribute in re.findall(r'data-bs-(?!target\b)[\w-]+(?:="[^"]*")?', path.read_text())
        if attribute != 'data-bs-toggle="collapse"'
    )

    assert not uses, "these need Bootstrap's JavaScript, which is not shipped: " + "; ".join(uses)
