"""The normaliser puts transliteration variants of one name on one key, whatever the script."""

import pytest

from casework.matching import keys_for_name
from casework.matching import normalise as nm
from casework.matching.keys import given_classes, given_keys, surname_keys


@pytest.mark.parametrize("spelling", ["Магомед", "Magomed", "Muhammad", "Mohammed", "Mukhammad"])
def test_muhammad_variants_share_a_class(spelling):
    assert given_classes(spelling) == given_classes("Muhammad")


@pytest.mark.parametrize("spelling", ["Хасиев", "Khasiev", "Hasiyev", "Chasiew"])
def test_surname_transliterations_share_a_key(spelling):
    assert nm.surname_key(spelling) == nm.surname_key("Хасиев")


@pytest.mark.parametrize("spelling", ["Тагирова", "Tagirova", "Taghirufa", "Тагиров"])
def test_surname_key_is_degendered(spelling):
    assert nm.surname_key(spelling) == nm.surname_key("Tagirov")


def test_dagestani_female_at_meets_arabic_form():
    assert given_classes("Хадижат") & given_classes("Khadija")
    assert given_classes("Патимат") & given_classes("Fatima")
    # the rule, not only the table: an -at name absent from the table
    assert given_keys("Zubaidat").key == given_keys("Zubaida").key


def test_different_names_stay_apart():
    assert not given_classes("Hasan") & given_classes("Husein")
    assert not given_classes("Muhammad") & given_classes("Mahmud")
    assert nm.surname_key("Иванова") != nm.surname_key("Петрова")


def test_arabic_script_meets_latin_on_the_skeleton():
    assert nm.skeleton("محمد") == nm.skeleton("Muhammad") == nm.skeleton("Магомед")


def test_german_habit_is_folded():
    assert nm.fold("Wachidsultanowa") == nm.fold("Вахидсултанова")
    assert nm.fold("Ajschat") == nm.fold("Айшат")


def test_invisible_and_decomposed_characters_are_ignored():
    plain = nm.fold("Зарема")
    assert nm.fold("За\u200bре\u200dма") == plain  # zero-width space / joiner
    assert nm.fold("\u202eЗарема\u202c") == plain  # RTL override and pop
    assert nm.fold("\ufeffЗарема") == plain  # BOM inside a cell
    decomposed = "Йусуп".replace("Й", "И\u0306")  # NFD: И + combining breve
    assert nm.fold(decomposed) == nm.fold("Йусуп")
    assert nm.fold("Zare\u0301ma") == nm.fold("Zarema")  # a stress mark


def test_article_is_dropped():
    assert nm.fold("al-Hashimi") == nm.fold("Hashimi") == nm.fold("ash-Hashimi")


def test_umm_bilal_is_a_kunya():
    alias = nm.parse_alias("Umm Bilal")
    assert alias is not None and alias.kind == "umm" and alias.name == nm.fold("Bilal")


def test_ibn_abu_muhammad_is_an_alias_naming_the_father_kunya():
    alias = nm.parse_alias("ibn Abu Muhammad")
    assert alias is not None and alias.kind == "child_of_abu"
    assert alias.name == nm.fold("Muhammad")
    assert nm.parse_alias("bint Yusuf").kind == "bint"


def test_kunya_inside_a_full_name_becomes_an_alias():
    parts = nm.split_full_name("Zarema bint Abu Islam")
    assert parts.given == "Zarema" and parts.family == ""
    assert parts.aliases == ("bint Abu Islam",)


@pytest.mark.parametrize(
    ("full", "family", "given"),
    [
        ("Kadyrova Jamila", "Kadyrova", "Jamila"),
        ("Jamila Kadyrova", "Kadyrova", "Jamila"),
        ("Leila Taghirufa", "Taghirufa", "Leila"),
    ],
)
def test_full_name_split_in_either_order(full, family, given):
    parts = nm.split_full_name(full)
    assert (parts.family, parts.given) == (family, given)


def test_patronymic_stem_names_the_father():
    assert given_classes(nm.patronymic_stem("Ибрагимовна")) == given_classes("Ibrahim")


def test_index_keys_of_a_name():
    keys = keys_for_name(family_name="Тагирова", given_name="Хадижат", aliases=["Umm Bilal"])
    assert "s:" + surname_keys("Taghirufa").key in keys
    assert any(k.startswith("g:") for k in keys)
    assert "a:umm bilal" in keys
    assert keys_for_name(family_name="Tagirova") & keys_for_name(family_name="Тагирова")


def test_abu_bakr_is_a_given_name_not_a_kunya():
    from casework.matching.keys import is_known_given_name

    parts = nm.split_full_name("Abu Bakr Testoev", is_known_given_name)
    assert parts.given == "Abu Bakr" and parts.family == "Testoev" and parts.aliases == ()
    assert given_classes("Abu Bakr") == given_classes("Абубакар")
    parts = nm.split_full_name("Abu Bilal", is_known_given_name)
    assert parts.aliases == ("Abu Bilal",)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ibn Abu Muhammad", "ибн Абу Магомед"),
        ("bint Abu Bakr", "Bint Abu Bakr"),
        ("ibn Yusuf", "bin Iusuf"),
    ],
)
def test_a_child_known_only_as_child_of_someone_has_blocking_keys(one, other):
    from datetime import date

    from casework.matching import BirthRange, PersonRecord, candidate_pairs, prepare

    born = BirthRange(date(2015, 1, 1), date(2015, 12, 31), "year")
    a = prepare(PersonRecord(record_id="a", aliases=(one,), birth=born))
    b = prepare(PersonRecord(record_id="b", full_name=other))  # the alias inside a full name
    assert a.blocking and b.blocking
    assert a.blocking & b.blocking  # one key without the year, for a record without one
    assert candidate_pairs([a], [b]) == [(0, 0)]
    daughter = prepare(PersonRecord(record_id="c", aliases=("bint Yusuf",), birth=born))
    son = prepare(PersonRecord(record_id="d", aliases=("ibn Yusuf",), birth=born))
    assert not daughter.blocking & son.blocking  # son and daughter of one man: not one person
