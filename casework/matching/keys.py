"""Stored name keys and blocking keys.

A person's keys are computed once (on save, or once per list) and stored as (person, key) rows so
candidates are found by index look-ups instead of scanning. Keys are prefixed strings:

- ``f:`` folded surname or given name (orthographic folding only)
- ``s:`` de-gendered phonetic surname (Тагирова = Tagirov = Taghirufa)
- ``k:`` consonant skeleton (the only key Arabic script shares with the others)
- ``g:`` given-name equivalence class (Магомед = Muhammad = Mohammed)
- ``a:`` alias / kunya (``a:umm bilal``, ``a:child_of_abu muhamad``)

Blocking keys (``s|``, ``sg|``, ``ku|``, …, see `blocking_keys`) combine parts so that no key alone
makes a huge block. A record known only by an alias still gets keys: a kunya (``ku|umm bilal``)
or a child-of alias (``pa|ibn|iusuf``, ``pa|child_of_abu|muhamad``, with the birth years too).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from . import normalise as nm
from .records import BirthRange, PersonRecord

DEFAULT_BLOCK_CAP = 600  # max candidate pairs one blocking key may produce


@lru_cache(maxsize=1)
def given_name_table() -> dict[str, frozenset[str]]:
    """Variant key → equivalence-class labels, loaded from data/given_names.csv."""
    table: dict[str, set[str]] = defaultdict(set)
    text = resources.files(__package__).joinpath("data/given_names.csv").read_text("utf-8")
    for row in csv.reader(line for line in text.splitlines() if not line.startswith("#")):
        spellings = [s.strip() for s in row if s.strip()]
        if not spellings:
            continue
        label = nm.given_variant_key(nm.phonetic(spellings[0]))
        for spelling in spellings:
            table[nm.given_variant_key(nm.phonetic(spelling))].add(label)
    return {key: frozenset(labels) for key, labels in table.items()}


@lru_cache(maxsize=100_000)
def given_classes(name: str | None) -> frozenset[str]:
    """Equivalence classes of a given name; an unknown name is a class of its own."""
    phon = nm.phonetic(name)
    if not phon:
        return frozenset()
    table = given_name_table()
    whole = nm.given_variant_key(phon)
    if whole in table:
        return table[whole]
    first = nm.given_variant_key(phon.split()[0])
    return table.get(first, frozenset({whole}))


def is_known_given_name(word: str) -> bool:
    return nm.given_variant_key(nm.phonetic(word)) in given_name_table()


@lru_cache(maxsize=100_000)
def _split(full_name: str) -> nm.SplitName:
    return nm.split_full_name(full_name, is_known_given_name)


@dataclass(frozen=True)
class NameKeys:
    text: str = ""  # as written
    fold: str = ""
    phonetic: str = ""
    key: str = ""  # surname: de-gendered; given: variant key
    skeleton: str = ""
    classes: frozenset[str] = frozenset()


# Names repeat (a list, a block of candidates, a seeded database share a few thousand surnames and
# given names): the keys of a spelling are computed once per process. NameKeys is immutable.
@lru_cache(maxsize=200_000)
def surname_keys(text: str | None) -> NameKeys:
    phon = nm.phonetic(text)
    if not phon:
        return NameKeys()
    key = nm.degender(phon).replace(" ", "")
    return NameKeys(text or "", nm.fold(text), phon, key, nm.skeleton_of(key), frozenset({key}))


@lru_cache(maxsize=200_000)
def given_keys(text: str | None) -> NameKeys:
    phon = nm.phonetic(text)
    if not phon:
        return NameKeys()
    key = nm.given_variant_key(phon)
    return NameKeys(text or "", nm.fold(text), phon, key, nm.skeleton_of(key), given_classes(text))


@dataclass
class PreparedRecord:
    """A record with every normalised form the scorer and blocker need, computed once."""

    record: PersonRecord
    family: NameKeys
    given: NameKeys
    patronymic_classes: frozenset[str]
    father_classes: frozenset[str]  # from father_name, patronymic, and ibn/bint aliases
    named_father_classes: frozenset[str]  # from father_name and ibn/bint aliases only
    patronymic_text: str  # as written
    mother_family: NameKeys
    mother_given: NameKeys
    aliases: tuple[nm.Alias, ...]
    kunyas: frozenset[str]  # 'umm bilal', 'abu muhamad' (the record's own kunya)
    birth: BirthRange
    sex: str
    region: str
    birth_place: str
    location: str
    identifiers: frozenset[str]
    blocking: set[str] = field(default_factory=set)
    # the name parts read the other way round, for lists that swap the order
    family_as_given: NameKeys = NameKeys()
    given_as_family: NameKeys = NameKeys()


def _parent_name_parts(text: str) -> tuple[str, str]:
    """(family, given) of a parent's name written in either order."""
    if not text:
        return "", ""
    parts = _split(text)
    return parts.family, parts.given


def prepare(record: PersonRecord) -> PreparedRecord:
    family, given, patronymic = record.family_name, record.given_name, record.patronymic
    alias_texts = list(record.aliases)
    if record.full_name and not (family and given):
        parts = _split(record.full_name)
        family = family or parts.family
        given = given or parts.given
        patronymic = patronymic or parts.patronymic
        alias_texts.extend(parts.aliases)
    aliases = tuple(a for a in (nm.parse_alias(t) for t in alias_texts) if a)
    patronymic_classes = (
        given_classes(nm.patronymic_stem(patronymic)) if patronymic else frozenset()
    )
    named_father: set[str] = set()
    if record.father_name:
        _, father_given = _parent_name_parts(record.father_name)
        named_father |= given_classes(father_given or record.father_name)
    for alias in aliases:
        if alias.kind in ("ibn", "bint", "child_of_abu") and alias.name:
            named_father |= given_classes(alias.name)
    father_classes = named_father | patronymic_classes
    mother_family, mother_given = _parent_name_parts(record.mother_name)
    kunyas = frozenset(
        f"{a.kind} {nm.given_variant_key(nm.phonetic(a.name))}"
        for a in aliases
        if a.kind in ("umm", "abu") and a.name
    )
    prepared = PreparedRecord(
        record=record,
        family=surname_keys(family),
        given=given_keys(given),
        patronymic_classes=frozenset(patronymic_classes),
        father_classes=frozenset(father_classes),
        named_father_classes=frozenset(named_father),
        patronymic_text=patronymic or "",
        mother_family=surname_keys(mother_family),
        mother_given=given_keys(mother_given),
        aliases=aliases,
        kunyas=kunyas,
        birth=record.birth,
        sex=record.sex,
        region=nm.fold(record.region),
        birth_place=nm.fold(record.birth_place),
        location=nm.fold(record.location),
        identifiers=frozenset(k for k in (nm.identifier_key(i) for i in record.identifiers) if k),
        family_as_given=given_keys(family),
        given_as_family=surname_keys(given),
    )
    prepared.blocking = blocking_keys(prepared)
    return prepared


def keys_for_name(
    family_name: str = "",
    given_name: str = "",
    patronymic: str = "",
    full_name: str = "",
    aliases: Sequence[str] = (),
) -> set[str]:
    """Index keys of one name, to store as (person, key) rows for look-ups."""
    record = PersonRecord(
        record_id="",
        family_name=family_name,
        given_name=given_name,
        patronymic=patronymic,
        full_name=full_name,
        aliases=tuple(aliases),
    )
    return keys_for_person(prepare(record))


def keys_for_person(p: PreparedRecord) -> set[str]:
    keys: set[str] = set()
    if p.family.key:
        keys |= {f"f:{p.family.fold}", f"s:{p.family.key}", f"k:{p.family.skeleton}"}
    if p.given.key:
        keys |= {f"f:{p.given.fold}", f"k:{p.given.skeleton}"}
        keys |= {f"g:{c}" for c in p.given.classes}
    for alias in p.aliases:
        keys.add(f"a:{alias.text}")
    return keys


def blocking_keys(p: PreparedRecord) -> set[str]:
    """Combined keys: one alone (a common surname) would make blocks too large."""
    keys: set[str] = set()
    years = list(p.birth.years()) if p.birth.known else []
    # a mistyped year is common; an age gives a two-year range already
    years = sorted({y + d for y in years for d in (-1, 0, 1)}) if len(years) <= 2 else []
    fam, fam_skel = p.family.key, p.family.skeleton
    classes = p.given.classes
    if fam:
        keys.add(f"s|{fam}")  # alone: catches typos in the given name; capped when common
        keys |= {f"sg|{fam}|{c}" for c in classes}
        keys |= {f"sy|{fam}|{y}" for y in years}
        if p.given.skeleton:
            keys.add(f"kk|{fam_skel}|{p.given.skeleton}")
        if p.mother_family.key:
            keys.add(f"sm|{fam}|{p.mother_family.key}")
    for c in classes:
        keys |= {f"gy|{c}|{y}" for y in years}
        keys |= {f"gf|{c}|{f}" for f in p.father_classes}
        keys |= {f"gm|{c}|{m}" for m in p.mother_given.classes}
        if fam_skel:
            keys.add(f"kg|{fam_skel[:3]}|{c}")
    if p.mother_family.key:
        keys |= {f"my|{p.mother_family.key}|{m}|{y}" for m in p.mother_given.classes for y in years}
    # the same key read the other way round, for a list that swapped the name order
    if p.given_as_family.key and p.family_as_given.classes:
        keys |= {f"sg|{p.given_as_family.key}|{c}" for c in p.family_as_given.classes}
    keys |= {f"ku|{k}" for k in p.kunyas}
    # "ibn Abu Muhammad", "bint Yusuf": often all a list or a family knows of a child
    for kind, father in _child_of(p):
        keys.add(f"pa|{kind}|{father}")
        keys |= {f"pay|{kind}|{father}|{y}" for y in years}
    keys |= {f"id|{i}" for i in p.identifiers}
    if p.birth.precision == "exact" and p.birth.earliest:
        keys.add(f"bd|{p.birth.earliest.isoformat()}")
    return keys


# Keys kept for the staff name search only: a single given name, a skeleton or a patronymic
# alone would make blocks of thousands, so candidate search (blocking) never uses them.
SEARCH_ONLY_KINDS = ("g", "k", "ka", "p", "a", "kc")


def search_keys_for_person(p: PreparedRecord) -> set[str]:
    """Keys that let a name search find the record by one word in any order and any script:
    the given name's equivalence classes, the consonant skeletons (Arabic script meets the
    others only there), the patronymic's father, the words of plain aliases and kunyas by the
    equivalence class of their name (Abu Magomed = Abu Muhammad). The surname key (``s|``) and
    the kunya key (``ku|``) are blocking keys already."""
    keys = {f"g|{c}" for c in p.given.classes}
    keys |= {f"k|{s}" for s in (p.family.skeleton, p.given.skeleton) if s}
    # a name written in Arabic script meets a search in the other scripts only on consonants
    keys |= {
        f"ka|{n.skeleton}" for n in (p.family, p.given) if n.skeleton and nm.has_arabic(n.text)
    }
    keys |= {f"p|{c}" for c in p.patronymic_classes}
    for alias in p.aliases:
        if alias.kind == "plain":
            keys |= {f"a|{k}" for k in map(nm.surname_key, alias.text.split()) if k}
            # an alias that is a name of its own ("Imran ibn Abu Imran", all a mother knew)
            parts = _split(alias.text)
            keys |= {f"g|{c}" for c in given_classes(parts.given)} if parts.given else set()
            inner = (nm.parse_alias(text) for text in parts.aliases)
            keys |= {k for a in inner if a for k in _kunya_keys(a)}
        else:
            keys |= _kunya_keys(alias)
    return keys


def _kunya_keys(alias: nm.Alias) -> set[str]:
    """A kunya or child-of alias by the equivalence class of its name (Abu Magomed = Abu
    Muhammad, ibn Abu Magomed = ibn Abu Muhammad)."""
    if alias.kind == "plain" or not alias.name:
        return set()
    return {f"kc|{alias.kind}|{c}" for c in given_classes(alias.name)}


# How much each kind of shared key says that a searched name is the person's (a rank, not a
# probability): a family and a given name together above a kunya, above a surname alone, above a
# given name shared by thousands, above a bare consonant skeleton.
SEARCH_WEIGHTS = {
    "sg": 8, "ku": 8, "kc": 8, "pa": 6, "s": 4, "g": 3, "a": 3, "kk": 2, "p": 2, "k": 1, "ka": 1,
}  # fmt: skip
_QUERY_WORDS = 8


def query_keys(text: str | None) -> dict[str, int]:
    """The stored keys a searched text may stand for, each with its `SEARCH_WEIGHTS` weight.
    The words are read in any order: each as a surname, a given name, a patronymic's father or an
    alias word; each pair as family and given name; a kunya word with the word after it as a
    kunya ("Umm Bilal", "ibn Yusuf", "bint Abu Muhammad")."""
    words = nm.tokens(text)[:_QUERY_WORDS]
    keys: dict[str, int] = {}

    def add(kind: str, *parts: str) -> None:
        keys["|".join((kind, *parts))] = SEARCH_WEIGHTS[kind]

    # a kunya word ("Umm", "ibn") is no name of its own
    names = [None if nm.kunya_kind(w) else w for w in words]
    family = [surname_keys(w) for w in names]
    given = [given_keys(w) for w in names]
    arabic = nm.has_arabic(text or "")
    for word, f, g in zip(names, family, given, strict=True):
        if f.key:
            add("s", f.key)
            add("a", f.key)
        for c in g.classes:
            add("g", c)
        if word and nm.looks_like_patronymic(word):
            for c in given_classes(nm.patronymic_stem(word)):
                add("p", c)
        # An Arabic-script search has only consonants to meet the others by; a search in the
        # other scripts meets Arabic-script names there. One consonant (Ali: "l") is too few.
        for skeleton in {f.skeleton, g.skeleton}:
            if len(skeleton) > 1:
                add("k" if arabic else "ka", skeleton)
    for i, f in enumerate(family):
        for j, g in enumerate(given):
            if i != j and f.key:
                for c in g.classes:
                    add("sg", f.key, c)
                if f.skeleton and g.skeleton:
                    add("kk", f.skeleton, g.skeleton)
    i = 0
    while i < len(words) - 1:
        i += _add_kunya(add, words[i], words[i + 1 :])
    return keys


def _add_kunya(add, word: str, rest: list[str]) -> int:
    """Add the keys of a kunya phrase starting at `word`; how many words it took (1 if none).
    "ibn Abu Yusuf" is a child's: its "Abu Yusuf" is the father's kunya, not the child's."""
    kind = nm.kunya_kind(word)
    if kind is None:
        return 1
    taken = 2
    if kind in ("ibn", "bint") and len(rest) > 1 and nm.kunya_kind(rest[0]) == "abu":
        kind, rest, taken = "child_of_abu", rest[1:], 3
    name = nm.fold(rest[0])
    if kind in ("umm", "abu"):
        add("ku", f"{kind} {nm.given_variant_key(nm.phonetic(name))}")
        for c in given_classes(name):
            add("kc", kind, c)
    else:
        for c in given_classes(name):
            add("pa", kind, c)
            add("kc", kind, c)
    return taken


def _child_of(p: PreparedRecord) -> set[tuple[str, str]]:
    """(kind, father's given-name class) of the record's ibn / bint / child-of-abu aliases."""
    found = set()
    for alias in p.aliases:
        if alias.kind in ("ibn", "bint", "child_of_abu") and alias.name:
            found |= {(alias.kind, c) for c in given_classes(alias.name)}
    return found


def candidate_pairs(
    left: Sequence[PreparedRecord],
    right: Sequence[PreparedRecord] | None = None,
    cap: int = DEFAULT_BLOCK_CAP,
) -> list[tuple[int, int]]:
    """Index pairs sharing a blocking key; with ``right=None``, pairs i < j within ``left``."""
    left_index = _index(left)
    pairs: set[tuple[int, int]] = set()
    if right is None:
        for members in left_index.values():
            n = len(members)
            if n < 2 or n * (n - 1) // 2 > cap:
                continue
            for a_pos, i in enumerate(members):
                for j in members[a_pos + 1 :]:
                    pairs.add((i, j))
        return sorted(pairs)
    right_index = _index(right)
    for key, lefts in left_index.items():
        rights = right_index.get(key)
        if not rights or len(lefts) * len(rights) > cap:
            continue
        pairs.update((i, j) for i in lefts for j in rights)
    return sorted(pairs)


def _index(records: Iterable[PreparedRecord]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        for key in record.blocking:
            index[key].append(i)
    return index
