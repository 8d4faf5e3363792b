"""Vietnamese text helpers: NFC normalisation, diacritic folding for search, and sort keys
in Vietnamese alphabetical order (a ă â b c d đ e ê …, tones after letters).

Pure: stdlib only.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold", "name_sort_key", "nfc", "sort_key", "SortKey", "NameSortKey"]

# The Vietnamese alphabet, with f j w z (foreign names) at their Latin positions.
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}

# Marks that make a different letter (ă â ê ô ơ ư) rather than a tone.
_SHAPE_MARKS = frozenset({"\u0306", "\u0302", "\u031b"})  # breve, circumflex, horn

# Tones in dictionary order (Từ điển tiếng Việt, and CLDR's vi collation):
# ngang (none) < huyền < hỏi < ngã < sắc < nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

# Primary weights: punctuation first, then digits, then letters, then other scripts. Digits
# compare one by one ("Tổ 10" before "Tổ 2"): numbered lists keep their own order field.
_PUNCT_BASE = 1
_DIGIT_BASE = 10
_LETTER_BASE = 100
_OTHER_BASE = 1000

SortKey = tuple[tuple[tuple[tuple[int, ...], tuple[int, ...]], ...], tuple[int, ...], str]
NameSortKey = tuple[SortKey, SortKey, SortKey]


def nfc(text: str) -> str:
    """The text in Unicode NFC: precomposed letters, as stored and as fonts expect."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, without diacritics (đ → d), whitespace collapsed: a search form, so that
    "nguyen van hung" matches "Nguyễn Văn Hùng"."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # đ/Đ carry a stroke, not a combining mark: NFD leaves them alone.
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.casefold().split())


def _clusters(word: str) -> list[tuple[str, str]]:
    """Split a word (NFD) into (base character, its combining marks)."""
    clusters: list[tuple[str, str]] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and clusters:
            base, marks = clusters[-1]
            clusters[-1] = (base, marks + ch)
        else:
            clusters.append((ch, ""))
    return clusters


def _primary(base: str, marks: str) -> int:
    lowered = base.lower()
    shape = "".join(m for m in marks if m in _SHAPE_MARKS)
    letter = unicodedata.normalize("NFC", lowered + shape)
    if letter in _LETTER_RANK:
        return _LETTER_BASE + _LETTER_RANK[letter]
    if lowered in _LETTER_RANK:  # a shape mark Vietnamese does not use on this letter
        return _LETTER_BASE + _LETTER_RANK[lowered]
    if lowered.isdigit():
        return _DIGIT_BASE + unicodedata.digit(lowered, 0)
    if lowered.isalnum():
        return _OTHER_BASE + ord(lowered)
    return _PUNCT_BASE


def _tone(marks: str) -> int:
    for mark in marks:
        if mark in _TONE_RANK:
            return _TONE_RANK[mark]
    return 0


def sort_key(text: str) -> SortKey:
    """A key that sorts strings in Vietnamese dictionary order.

    Compared syllable by syllable, as dictionaries do ("ba lô" before "bà con"): within a
    syllable first the letters (a < ă < â < b … d < đ …), then the tones (a < à < ả < ã < á
    < ạ). Case decides only between otherwise equal strings, lower case first; the text itself
    breaks any remaining tie so the order is total and deterministic.
    """
    normal = nfc(text)
    syllables: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    cases: list[int] = []
    for word in normal.split():
        clusters = _clusters(word)
        syllables.append(
            (
                tuple(_primary(base, marks) for base, marks in clusters),
                tuple(_tone(marks) for _, marks in clusters),
            )
        )
        cases.extend(1 if base.isupper() else 0 for base, _ in clusters)
    return (tuple(syllables), tuple(cases), normal)


def name_sort_key(full_name: str) -> NameSortKey:
    """A key for Vietnamese personal names, sorted as lists of people are: by given name
    (the last word), then family name (the first), then middle names."""
    words = nfc(full_name).split()
    if len(words) < 2:
        return (sort_key(full_name), sort_key(""), sort_key(""))
    return (sort_key(words[-1]), sort_key(words[0]), sort_key(" ".join(words[1:-1])))
