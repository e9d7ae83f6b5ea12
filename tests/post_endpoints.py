"""Every URL that accepts a POST, and the form a browser would send to it.

Shared by the fuzzer (tests/test_fuzz_forms.py, benchmarks/bench_fuzz.py), the CSRF test and the
permission matrix. The list comes from the URLconf: a view that accepts POST is found from its
method decorator (`require_POST`, `require_http_methods`) or its class's handlers; a view with
neither accepts every method, so it counts.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver


def _methods(callback) -> set[str] | None:
    """The HTTP methods a view answers, or None when it does not restrict them."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {m for m in view_class.http_method_names if hasattr(view_class, m)}
    function = callback
    while function is not None:
        cells = zip(function.__code__.co_freevars, function.__closure__ or (), strict=False)
        for name, cell in cells:
            if name == "request_method_list":
                return {method.lower() for method in cell.cell_contents}
        function = getattr(function, "__wrapped__", None)
    return None


def _walk(patterns, namespace=None, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                pattern.namespace or namespace,
                prefix + str(pattern.pattern),
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern), pattern


def url_patterns(*, include_admin: bool) -> list[tuple[str | None, str, URLPattern]]:
    """(name, route, pattern) of every URL, the admin's only if asked for."""
    return [
        (name, route, pattern)
        for name, route, pattern in _walk(get_resolver().url_patterns)
        if include_admin or not route.startswith("admin/")
    ]


def accepts_post(pattern: URLPattern) -> bool:
    methods = _methods(pattern.callback)
    return methods is None or "post" in methods


def post_url_names() -> list[str]:
    """The named URLs of our own pages (not the admin's) that accept a POST."""
    patterns = url_patterns(include_admin=False)
    return sorted({name for name, _route, pattern in patterns if accepts_post(pattern)})


@dataclass
class Form:
    """One <form method=post> as a browser submits it: its fields with their current values."""

    action: str
    data: dict[str, list[str]] = field(default_factory=dict)
    # name → input type (text, date, number, select, textarea, checkbox, hidden, file, ...)
    kinds: dict[str, str] = field(default_factory=dict)
    # name → every value a select, radio or checkbox offers
    options: dict[str, list[str]] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def _add(self, name, kind, value=None):
        form = self._form
        form.kinds.setdefault(name, kind)
        if value is not None:
            form.data.setdefault(name, []).append(value)

    def _button(self, name, value):
        """A named button is sent only when pressed: an option, not part of the data."""
        self._form.kinds.setdefault(name, "submit")
        self._form.options.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                action = urlsplit(attrs.get("action") or self.page_path).path or self.page_path
                self._form = Form(action=action)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if name and "__prefix__" in name:
            # A formset's empty row, a template for a script to copy: a browser never sends it.
            return
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "reset", "image"}:
                if kind == "submit":
                    self._button(name, attrs.get("value") or "")
                return
            value = attrs.get("value") or ("on" if kind == "checkbox" else "")
            if kind in {"checkbox", "radio"}:
                self._form.options.setdefault(name, []).append(value)
                self._add(name, kind, value if "checked" in attrs else None)
            elif kind == "file":
                self._add(name, kind)
            else:
                self._add(name, kind, value)
        elif tag == "button" and name and (attrs.get("type") or "submit") == "submit":
            self._button(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "chosen": []}
            kind = "select-multiple" if "multiple" in attrs else "select"
            self._form.kinds.setdefault(name, kind)
            self._form.options.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._form.options[self._select["name"]].append(value)
            if "selected" in attrs:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": []}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self._form.data.pop("csrfmiddlewaretoken", None)
            self._form.kinds.pop("csrfmiddlewaretoken", None)
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select is not None:
            name, chosen = self._select["name"], self._select["chosen"]
            offered = self._form.options[name]
            # A single select with nothing marked submits its first option.
            if not chosen and not self._select["multiple"] and offered:
                chosen = [offered[0]]
            for value in chosen:
                self._add(name, "select", value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # HTML drops the newline right after <textarea>.
            text = "".join(self._textarea["text"]).removeprefix("\n")
            self._add(self._textarea["name"], "textarea", text)
            self._textarea = None


def forms_on(html: str, page_path: str) -> list[Form]:
    parser = _Forms(page_path)
    parser.feed(html)
    return parser.forms


def form_for(html: str, page_path: str, action: str) -> Form | None:
    """The form on the page that posts to `action` (the fullest, if several do)."""
    found = [form for form in forms_on(html, page_path) if form.action == action]
    return max(found, key=lambda form: len(form.kinds), default=None)
