"""rooms.vietnamese: NFC, folding for search, Vietnamese sort order."""

from __future__ import annotations

import unicodedata

import pytest

from rooms.vietnamese import fold, name_sort_key, nfc, sort_key


def test_nfc_composes_decomposed_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Thảo")
    assert decomposed != "Nguyễn Thị Thảo"
    assert nfc(decomposed) == "Nguyễn Thị Thảo"
    assert len(nfc(decomposed)) == len("Nguyễn Thị Thảo")


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn Hùng", "nguyen van hung"),
        ("Dương Xuân Hải", "duong xuan hai"),
        ("ĐẶNG  Thị\tỨng", "dang thi ung"),
        ("Trần Kim Yến", "tran kim yen"),
        (unicodedata.normalize("NFD", "Phạm Thị Ngọc Ánh"), "pham thi ngoc anh"),
        ("Ủy ban MTTQ", "uy ban mttq"),
    ],
)
def test_fold_strips_every_diacritic_and_case(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_lets_plain_search_find_accented_names() -> None:
    names = ["Nguyễn Văn Hùng", "Nguyễn Văn Hưng", "Nguyễn Thị Hồng", "Đỗ Văn Hùng"]
    query = fold("nguyen van hung")
    assert [n for n in names if query in fold(n)] == ["Nguyễn Văn Hùng", "Nguyễn Văn Hưng"]


def test_base_letters_in_vietnamese_alphabet_order() -> None:
    letters = "y x v ư u t s r q p ơ ô o n m l k i h g ê e đ d c b â ă a".split()
    expected = "a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y".split()
    assert sorted(letters, key=sort_key) == expected


def test_d_stroke_sorts_after_every_d_word() -> None:
    words = ["Đào", "Dương", "Duy", "Đặng", "Dũng"]
    assert sorted(words, key=sort_key) == ["Dũng", "Duy", "Dương", "Đào", "Đặng"]


def test_tones_in_dictionary_order_after_the_base_letter() -> None:
    # ngang, huyền, hỏi, ngã, sắc, nặng; all of them before the next letter ă.
    words = ["ạ", "ă", "á", "ã", "ả", "à", "a"]
    assert sorted(words, key=sort_key) == ["a", "à", "ả", "ã", "á", "ạ", "ă"]


def test_letters_decide_before_tones() -> None:
    # Within a syllable the letters compare first, the tone only between equal letters.
    assert sorted(["bác", "ba", "bạc", "bà", "bá"], key=sort_key) == [
        "ba",
        "bà",
        "bá",
        "bác",
        "bạc",
    ]


def test_syllable_by_syllable_like_a_dictionary() -> None:
    assert sorted(["bà con", "ba lô", "Anh", "An Bình", "An"], key=sort_key) == [
        "An",
        "An Bình",
        "Anh",
        "ba lô",
        "bà con",
    ]


def test_same_order_for_nfc_and_nfd_input() -> None:
    names = ["Ánh", "Ẩn", "Ân", "Ấn", "An"]
    nfd = [unicodedata.normalize("NFD", n) for n in names]
    assert [nfc(n) for n in sorted(nfd, key=sort_key)] == sorted(names, key=sort_key)
    assert sorted(names, key=sort_key) == ["An", "Ánh", "Ân", "Ẩn", "Ấn"]


def test_order_is_total_and_case_only_breaks_ties() -> None:
    assert sorted(["an", "An", "AN"], key=sort_key) == ["an", "An", "AN"]
    assert sort_key("An") != sort_key("an")
    assert sorted(["Bình", "an"], key=sort_key) == ["an", "Bình"]


def test_names_sort_by_given_name_then_family_name() -> None:
    names = [
        "Trần Kim Yến",
        "Nguyễn Thị Thảo",
        "Dương Xuân Hải",
        "Đặng Văn An",
        "Lê Văn Ánh",
        "Bùi Thị Thảo",
        "Ông Ích Khiêm",
    ]
    assert sorted(names, key=name_sort_key) == [
        "Đặng Văn An",
        "Lê Văn Ánh",
        "Dương Xuân Hải",
        "Ông Ích Khiêm",
        "Bùi Thị Thảo",
        "Nguyễn Thị Thảo",
        "Trần Kim Yến",
    ]


def test_single_word_names_and_empty_strings_sort() -> None:
    assert sorted(["Yến", "", "An"], key=name_sort_key) == ["", "An", "Yến"]
