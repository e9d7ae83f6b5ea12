"""The words that changed between two versions of a text, for the history and the conflict views.

A change to a long text shows as the changed words, highlighted, in a little of their context,
instead of two cut-off snippets that may look the same ("from «…ste…» to «…ste…»"). The words are
compared with `difflib`; the result is `<del>` and `<ins>`, each with a visually hidden
"removed"/"added" for screen readers, which do not announce the elements themselves.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

# A word, a run of white space or one other character: a changed comma is shown as a comma.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
# Unchanged words kept on each side of a change; more between two changes are left out.
CONTEXT_WORDS = 8


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "removed", "added" or "gap" (unchanged words left out)
    text: str


def _words(tokens: list[str]) -> int:
    return sum(1 for token in tokens if not token.isspace())


def _keep(tokens: list[str], words: int, *, from_end: bool) -> list[str]:
    """The tokens holding `words` words at the start (or end) of `tokens`."""
    kept, seen = [], 0
    for token in reversed(tokens) if from_end else tokens:
        if not token.isspace():
            if seen == words:
                break
            seen += 1
        kept.append(token)
    return list(reversed(kept)) if from_end else kept


def _same(tokens: list[str], *, first: bool, last: bool, context: int) -> list[Piece]:
    """An unchanged stretch, shortened to the context of the changes around it."""
    if first and last:
        return [Piece("same", "".join(tokens))]
    limit = context if first or last else 2 * context
    if _words(tokens) <= limit:
        return [Piece("same", "".join(tokens))]
    pieces = []
    if not first:
        pieces.append(Piece("same", "".join(_keep(tokens, context, from_end=False))))
    pieces.append(Piece("gap", "…"))
    if not last:
        pieces.append(Piece("same", "".join(_keep(tokens, context, from_end=True))))
    return pieces


def word_diff(old: str, new: str, *, context: int = CONTEXT_WORDS) -> list[Piece]:
    """What changed from `old` to `new`, word by word, with `context` unchanged words around."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    pieces: list[Piece] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = index == 0, index == len(opcodes) - 1
            pieces += _same(a[i1:i2], first=first, last=last, context=context)
            continue
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if removed:
            pieces.append(Piece("removed", removed))
        if added:
            pieces.append(Piece("added", added))
    return pieces


def diff_html(old: str, new: str, *, context: int = CONTEXT_WORDS) -> SafeString:
    """`word_diff` as HTML: unchanged text escaped, the changes in `<del>` and `<ins>`."""
    removed, added = gettext("removed"), gettext("added")
    html = []
    for piece in word_diff(old, new, context=context):
        if piece.kind == "removed" and not piece.text.isspace():
            html.append(
                format_html(
                    '<del class="diff-removed"><span class="visually-hidden">[{}: </span>{}'
                    '<span class="visually-hidden">]</span></del>',
                    removed,
                    piece.text,
                )
            )
        elif piece.kind == "added" and not piece.text.isspace():
            html.append(
                format_html(
                    '<ins class="diff-added"><span class="visually-hidden">[{}: </span>{}'
                    '<span class="visually-hidden">]</span></ins>',
                    added,
                    piece.text,
                )
            )
        elif piece.kind == "removed":
            continue  # removed white space: the added white space, if any, takes its place
        elif piece.kind == "gap":
            html.append(format_html('<span class="diff-gap">{}</span>', piece.text))
        else:
            html.append(format_html("{}", piece.text))
    # Every part is already safe (format_html above), so joining escapes nothing twice.
    return format_html_join("", "{}", ((part,) for part in html))
