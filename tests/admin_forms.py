"""Read an admin page's form as a browser would submit it, to post it back changed."""

from html.parser import HTMLParser


class _SubmittedFields(HTMLParser):
    """The name/value pairs a browser submits from the admin's change form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._in_form = False
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "reset", "file", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.pairs.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "first": None}
            self._select["chosen"] = []
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": []}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            # A single select with nothing marked submits its first option.
            if not chosen and not self._select["multiple"] and self._select["first"] is not None:
                chosen = [self._select["first"]]
            self.pairs += [(self._select["name"], value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # HTML drops the newline right after <textarea>.
            text = "".join(self._textarea["text"]).removeprefix("\n")
            self.pairs.append((self._textarea["name"], text))
            self._textarea = None


def submitted_form_data(html: str) -> dict[str, list[str]]:
    parser = _SubmittedFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        if "__prefix__" not in name and name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(value)
    return data
