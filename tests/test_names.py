"""Surnames as people write them, for names from Cumbria's communities, and the order they sort in."""

import pytest

from app.core.names import folded, split_name, surname, surname_order


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Siân Evans", "Evans"), ("Siân ap Rhys", "ap Rhys"), ("Rhodri ab Owain", "ab Owain"),  # Welsh
        ("Mairi MacLeod", "MacLeod"), ("Hamish McLeod", "McLeod"), ("Iain Mac Leòid", "Mac Leòid"),  # Scottish
        ("Seán O'Neill", "O'Neill"), ("Dafydd Ó Briain", "Ó Briain"), ("Aoife Ní Bhriain", "Ní Bhriain"),  # Irish
        ("Łukasz Wiśniewski", "Wiśniewski"), ("Maria Skłodowska-Curie", "Skłodowska-Curie"),  # Polish
        ("Omar al-Farsi", "al-Farsi"), ("Omar Al Farsi", "Al Farsi"), ("Ahmed bin Saleh", "bin Saleh"),  # Arabic
        ("Nguyễn Thị Hoa", "Nguyễn"), ("Nguyen Van An", "Nguyen"), ("Hoa Tran", "Tran"),  # Vietnamese
        ("Ana de la Cruz", "de la Cruz"), ("Ludwig van Beethoven", "van Beethoven"), ("Jean-Luc Picard", "Picard"),
        ("Cher", "Cher"), ("王伟", "王伟"), ("Van Morrison", "Morrison"), ("Ann St John", "St John"),
        ("Evans, Siân", "Evans"), ("  Siân   Evans ", "Evans"), ("", ""),
    ],
)  # fmt: skip
def test_the_surname_is_the_one_people_write(full_name, expected):
    assert surname(full_name) == expected


def test_the_first_names_are_the_rest():
    assert split_name("Ana de la Cruz") == ("de la Cruz", "Ana")
    assert split_name("Nguyễn Thị Hoa") == ("Nguyễn", "Thị Hoa")
    assert split_name("Cher") == ("Cher", "")


def test_case_accents_and_punctuation_do_not_change_the_order():
    assert folded("O’Neill") == folded("O'Neill") == folded("ONEILL") == "oneill"
    assert folded("Siân") == "sian" and folded("Łukasz") == "lukasz" and folded("Đặng") == "dang"
    assert surname_order("siân EVANS")[:2] == surname_order("Sian Evans")[:2] == ("evans", "sian")


def test_people_sort_by_surname_then_first_names_then_the_whole_name():
    names = ["Zoë Adams", "Amy Zhang", "Ben Adams", "Dafydd Ó Briain", "Seán O'Neill", "Siân ap Rhys",
             "Ana de la Cruz", "Cher", "Hamish McLeod", "Mairi MacLeod", "Omar al-Farsi", "Ben ADAMS"]  # fmt: skip
    assert sorted(names, key=surname_order) == [
        "Ben ADAMS", "Ben Adams", "Zoë Adams", "Omar al-Farsi", "Siân ap Rhys", "Cher", "Ana de la Cruz",
        "Mairi MacLeod", "Hamish McLeod", "Dafydd Ó Briain", "Seán O'Neill", "Amy Zhang",
    ]  # fmt: skip
