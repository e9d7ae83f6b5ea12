"""The changed words of a text, for the history and the conflict views."""

from django.utils import translation

from plans.diff import Piece, diff_html, word_diff


def test_one_changed_word_is_shown_with_its_neighbours():
    pieces = word_diff("Morgenmøtet tar 40 minutter.", "Morgenmøtet tar 15 minutter.")

    assert pieces == [
        Piece("same", "Morgenmøtet tar "),
        Piece("removed", "40"),
        Piece("added", "15"),
        Piece("same", " minutter."),
    ]


def test_a_change_deep_in_a_long_text_is_shown_in_a_little_context():
    words = [f"ord{n}" for n in range(600)]
    old = " ".join(words)
    new = " ".join([*words[:300], "ENDRET", *words[301:]])

    pieces = word_diff(old, new, context=3)

    assert pieces == [
        Piece("gap", "…"),
        Piece("same", " ord297 ord298 ord299 "),
        Piece("removed", "ord300"),
        Piece("added", "ENDRET"),
        Piece("same", " ord301 ord302 ord303 "),
        Piece("gap", "…"),
    ]


def test_two_changes_far_apart_keep_context_around_each_and_leave_out_the_middle():
    words = [f"w{n}" for n in range(100)]
    new = list(words)
    new[10], new[90] = "A", "B"

    kinds = [p.kind for p in word_diff(" ".join(words), " ".join(new), context=2)]

    assert kinds == [
        "gap", "same", "removed", "added", "same", "gap", "same", "removed", "added", "same", "gap"
    ]  # fmt: skip


def test_changes_close_together_keep_everything_between_them():
    old = "en to tre fire fem"
    new = "en TO tre fire FEM"

    assert "gap" not in [p.kind for p in word_diff(old, new, context=2)]


def test_a_text_written_from_nothing_is_all_added():
    assert word_diff("", "Ny tekst") == [Piece("added", "Ny tekst")]


def test_a_changed_comma_is_a_change_of_the_comma_only():
    assert word_diff("a, b", "a; b") == [
        Piece("same", "a"),
        Piece("removed", ","),
        Piece("added", ";"),
        Piece("same", " b"),
    ]


def test_html_marks_the_changes_for_eyes_and_screen_readers():
    with translation.override("en"):
        html = diff_html("tar 40 minutter", "tar 15 minutter")

    assert html == (
        "tar "
        '<del class="diff-removed"><span class="visually-hidden">[removed: </span>40'
        '<span class="visually-hidden">]</span></del>'
        '<ins class="diff-added"><span class="visually-hidden">[added: </span>15'
        '<span class="visually-hidden">]</span></ins>'
        " minutter"
    )


def test_html_escapes_what_was_written():
    html = diff_html("<b>trygt</b>", "<script>alert(1)</script>")

    assert "<script>" not in html and "<b>" not in html
    assert "&lt;" in html and "&gt;" in html


def test_texts_that_only_differ_in_white_space_show_no_change():
    assert "<del" not in diff_html("a  b", "a b")
