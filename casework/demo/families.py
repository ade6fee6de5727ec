"""Invented families: a mother, her children born in Syria or Iraq, sometimes the father or a
grandmother, each with names in the forms relatives, camps, courts and lists write them.

Pure functions of a `random.Random`: the same seed gives the same families.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from casework.demo import names as nm
from casework.demo import places

AS_OF = dt.date(2026, 10, 1)


@dataclass
class Name:
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    full_text: str = ""
    script: str = "cyrl"
    kind: str = "legal"
    source: str = ""

    def text(self) -> str:
        if self.full_text:
            return self.full_text
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)


@dataclass
class Member:
    role: str  # mother, child, father, grandmother
    sex: str
    given: str  # Cyrillic given name
    family: str  # Cyrillic family name (gendered)
    birth_precision: str
    birth_date: dt.date | None
    age_stated: int | None
    age_stated_on: dt.date | None
    true_birth: dt.date  # what the generator knows; used for ages in reports
    birthplace: str = ""
    names: list[Name] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    alias_only: bool = False
    status: str = "reported"


@dataclass
class Family:
    region: str
    culture: str
    home_town: str
    scenario: str
    left_year: int
    members: list[Member]
    father_given: str
    father_family: str
    # Filled in when the family is written: its Person rows, merged duplicates, where they are.
    persons: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    place: str = ""

    @property
    def mother(self) -> Member:
        return self.members[0]

    @property
    def children(self) -> list[Member]:
        return [m for m in self.members if m.role == "child"]


SCENARIOS = [
    ("reported", 16),
    ("verifying", 13),
    ("camp", 20),
    ("cleared", 7),
    ("iraq_prison", 10),
    ("on_manifest", 8),
    ("returned", 16),
    ("exit", 10),
]
_LIST_SOURCES = [
    "camp administration list",
    "Iraqi court record",
    "ICRC message",
    "consular list",
    "partner list",
    "hospital register",
]


def weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _years_between(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birth(rng: random.Random, born: dt.date, pairs, stated_from: dt.date):
    """Birth as recorded: (precision, date, age, age_on) drawn with the given precision weights."""
    precision = weighted(rng, pairs)
    if precision == "exact":
        return precision, born, None, None
    if precision == "month":
        return precision, born.replace(day=1), None, None
    if precision == "year":
        return precision, born.replace(month=1, day=1), None, None
    if precision == "age":
        on = random_date(rng, max(stated_from, born + dt.timedelta(days=400)), AS_OF)
        return precision, None, _years_between(born, on), on
    return "unknown", None, None, None


_ADULT_PRECISION = [("exact", 60), ("year", 22), ("month", 6), ("age", 7), ("unknown", 5)]
_CHILD_PRECISION = [("exact", 35), ("month", 20), ("year", 18), ("age", 17), ("unknown", 10)]


def _pick_name(rng: random.Random, pool: list[str], *avoid_with: str) -> str:
    for _ in range(20):
        name = rng.choice(pool)
        if not any(nm.is_avoided(nm.latin(name), nm.latin(other)) for other in avoid_with):
            return name
    return name


def _surname(rng: random.Random, region: str, given: str) -> str:
    for _ in range(20):
        surname = rng.choice(nm.SURNAMES[region])
        if not nm.is_avoided(nm.latin(given), nm.latin(surname)):
            return surname
    return surname


def _legal_name(member: Member, patronymic: str, source: str) -> Name:
    return Name(member.family, member.given, patronymic, "", "cyrl", "legal", source)


def _variants(rng: random.Random, member: Member, patronymic: str) -> list[Name]:
    """Latin transliterations in one or two habits, sometimes an Arabic form."""
    out: list[Name] = []
    habits = rng.sample(nm.HABITS, k=rng.choice([1, 1, 2]))
    for habit in habits:
        family = nm.latin(member.family, habit)
        if member.sex == "F" and rng.random() < 0.12 and family.endswith("a"):
            family = family[:-1]  # a clerk writes the masculine form
        given = nm.latin(member.given, habit)
        with_patronymic = nm.latin(patronymic, habit) if rng.random() < 0.3 else ""
        out.append(
            Name(family, given, with_patronymic, "", "latn", "translit", rng.choice(_LIST_SOURCES))
        )
    if rng.random() < 0.35:
        text = f"{nm.arabic(member.given)} {nm.arabic(member.family)}".strip()
        out.append(Name("", "", "", text, "arab", "translit", "Iraqi court record"))
    return out


def make_family(rng: random.Random) -> Family:
    region = weighted(rng, nm.REGION_WEIGHTS.items())
    culture = nm.CULTURE.get(region, "north_caucasus")
    scenario = weighted(rng, SCENARIOS)
    left_year = rng.choice([2013, 2014, 2014, 2015, 2015, 2016])
    father_given = _pick_name(rng, nm.MEN[culture])
    father_family = _surname(rng, region, father_given)
    members: list[Member] = []

    # The mother: her maiden name (most keep it) or her husband's.
    mother_given = _pick_name(rng, nm.WOMEN[culture])
    if rng.random() < 0.6:
        maiden = _surname(rng, rng.choice([region, region, region, "Dagestan", "Chechnya"]), "")
    else:
        maiden = father_family
    mother_family = nm.feminine(maiden)
    if nm.is_avoided(nm.latin(mother_given), nm.latin(mother_family)):
        mother_family = nm.feminine(rng.choice(nm.SURNAMES["Tatarstan"]))
    born = random_date(rng, dt.date(1984, 1, 1), dt.date(2001, 6, 30))
    mother = Member(
        "mother",
        "F",
        mother_given,
        mother_family,
        *_birth(rng, born, _ADULT_PRECISION, dt.date(2019, 3, 1)),
        true_birth=born,
    )
    mother.birthplace = f"{family_home(rng, region)}, Russia"
    mother_patronymic = nm.patronymic(_pick_name(rng, nm.MEN[culture]), female=True)
    mother.names.append(_legal_name(mother, mother_patronymic, "family report"))
    mother.names.extend(_variants(rng, mother, mother_patronymic))
    mother.languages = list(places.LANGUAGES_OF[region]) + (["ar"] if rng.random() < 0.4 else [])
    members.append(mother)

    # Children, born in Syria or Iraq at least ten months apart.
    count = weighted(rng, [(1, 25), (2, 30), (3, 22), (4, 13), (5, 10)])
    born = random_date(rng, dt.date(left_year, 1, 1) + dt.timedelta(days=300), dt.date(2017, 9, 30))
    sons: list[str] = []
    for _ in range(count):
        if born > dt.date(2019, 6, 1):
            break
        sex = rng.choice("MF")
        given = _pick_name(rng, nm.BOYS if sex == "M" else nm.GIRLS, father_family)
        family = father_family if sex == "M" else nm.feminine(father_family)
        child = Member(
            "child",
            sex,
            given,
            family,
            *_birth(rng, born, _CHILD_PRECISION, dt.date(2019, 3, 1)),
            true_birth=born,
        )
        child.birthplace = (
            "al-Hol camp, Syria"
            if born >= dt.date(2019, 4, 1)
            else weighted(rng, places.BIRTHPLACES)
        )
        patronymic = nm.patronymic(father_given, female=sex == "F")
        if sex == "M":
            sons.append(given)
        child.alias_only = rng.random() < 0.07
        kunya = f"Абу {nm.BOYS[0] if not sons else sons[0]}"
        link = "ибн" if sex == "M" else "бинт"
        alias = Name("", "", "", f"{given} {link} {kunya}", "cyrl", "alias", "mother's statement")
        if child.alias_only:
            child.names.append(alias)
            child.names.append(
                Name(
                    "",
                    "",
                    "",
                    nm.latin(alias.full_text, "arabic_ear"),
                    "latn",
                    "alias",
                    rng.choice(_LIST_SOURCES),
                )
            )
        else:
            child.names.append(_legal_name(child, patronymic, "family report"))
            child.names.extend(_variants(rng, child, patronymic))
            if rng.random() < 0.15:
                child.names.append(alias)
        child.languages = rng.choice(
            [
                ["ar"],
                ["ru", "ar"],
                ["ce"] if culture == "north_caucasus" else ["ar"],
                mother.languages[1:2] + ["ar"],
            ]
        )
        members.append(child)
        born = born + dt.timedelta(days=rng.randint(300, 900))

    # The mother's kunya after her eldest son.
    if sons and rng.random() < 0.6:
        mother.names.append(
            Name(
                "", "", "", nm.kunya_of_mother(sons[0]), "cyrl", "kunya", "camp administration list"
            )
        )
        if rng.random() < 0.5:
            mother.names.append(
                Name(
                    "",
                    "",
                    "",
                    f"Umm {nm.latin(sons[0], 'arabic_ear')}",
                    "latn",
                    "kunya",
                    "camp administration list",
                )
            )

    if rng.random() < 0.35:
        born = random_date(rng, dt.date(1978, 1, 1), dt.date(1998, 12, 31))
        father = Member(
            "father",
            "M",
            father_given,
            father_family,
            *_birth(rng, born, _ADULT_PRECISION, dt.date(2019, 3, 1)),
            true_birth=born,
        )
        father.birthplace = f"{family_home(rng, region)}, Russia"
        patronymic = nm.patronymic(_pick_name(rng, nm.MEN[culture]), female=False)
        father.names.append(_legal_name(father, patronymic, "family report"))
        father.names.extend(_variants(rng, father, patronymic))
        son = sons[0] if sons else rng.choice(nm.BOYS)
        father.names.append(
            Name("", "", "", nm.kunya_of_father(son, region), "cyrl", "kunya", "partner list")
        )
        father.languages = list(places.LANGUAGES_OF[region])
        members.append(father)

    if rng.random() < 0.06:
        born = random_date(rng, dt.date(1955, 1, 1), dt.date(1970, 12, 31))
        given = _pick_name(rng, nm.WOMEN[culture])
        grandmother = Member(
            "grandmother",
            "F",
            given,
            nm.feminine(_surname(rng, region, given)),
            *_birth(rng, born, _ADULT_PRECISION, dt.date(2019, 3, 1)),
            true_birth=born,
        )
        grandmother.birthplace = f"{family_home(rng, region)}, Russia"
        patronymic = nm.patronymic(_pick_name(rng, nm.MEN[culture]), female=True)
        grandmother.names.append(_legal_name(grandmother, patronymic, "family report"))
        grandmother.names.extend(_variants(rng, grandmother, patronymic))
        grandmother.languages = list(places.LANGUAGES_OF[region])
        members.append(grandmother)

    return Family(
        region,
        culture,
        family_home(rng, region),
        scenario,
        left_year,
        members,
        father_given,
        father_family,
    )


def family_home(rng: random.Random, region: str) -> str:
    return rng.choice(places.HOME_TOWNS[region])


def reporter_name(rng: random.Random, family: Family, relationship: str) -> tuple[str, str]:
    """An invented relative's name in Cyrillic and its Latin form."""
    pool = nm.MEN if relationship in {"father", "brother", "uncle"} else nm.WOMEN
    given = _pick_name(rng, pool[family.culture])
    if relationship in {"father", "brother", "sister"}:
        surname = family.mother.family if family.mother.family else family.father_family
        surname = surname[:-1] if pool is nm.MEN and surname.endswith("а") else surname
    else:
        surname = _surname(rng, family.region, given)
        surname = nm.feminine(surname) if pool is nm.WOMEN else surname
    cyr = f"{surname} {given}"
    return cyr, nm.latin(cyr)
