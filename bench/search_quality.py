"""Name search quality on the demo data (issue 9): is every person found by their name written in
another script, among the first 20 results? And how long does the search SQL take?

For every person of the organisation that the supervisor may see (not merged away), the query is
the family name and the given name of their primary name, written in the other script by this
file's own tables (not the matcher's): Cyrillic → Latin after BGN/PCGN (е as "ye" at the start
of a word and after a vowel, ё "yo", й "y", ъ/ь dropped), Latin → Cyrillic by a reverse table
(digraphs first). A primary name in Arabic script is searched as written in Latin by one of the
person's other names, if any (else counted apart). The search is the persons list's own: the one
`PersonFilterSet` over `Person.objects.visible_to(user)`, ordered by its rank as the list page
orders it, first 20 ids.

    export DATABASE_URL=sqlite:////tmp/demo.sqlite3      # or postgres://…/your_own_database
    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python manage.py migrate
    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/search_quality.py [--as caseworker] [--limit 20] [--timing-only N]

It prints the share found (target ≥ 0.98), the misses (query, the person's names, the rank they
came at), and p50/p95/p99 of the search SQL. `--timing-only N` asks for N random persons only (on a
100k database: run ANALYZE first, see bench/intake_benchmark.py).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time

import _matching_setup as setup

from casework.filtersets import PersonFilterSet
from casework.models import Person, PersonName

# Cyrillic → Latin, BGN/PCGN habit (written here, independent of casework.matching.normalise).
BGN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ӏ": "",
}  # fmt: skip
_VOWELS = set("аеёиоуыэюяь ъ")

# Latin → Cyrillic, longest spellings first, as a Russian clerk would write a Latin name.
LATIN_TO_CYRILLIC = [
    ("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("dj", "дж"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("yu", "ю"), ("ya", "я"), ("yo", "ё"), ("ye", "е"), ("iy", "ий"), ("gh", "г"), ("ou", "у"),
    ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"),
    ("h", "х"), ("i", "и"), ("j", "дж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "й"), ("z", "з"),
]  # fmt: skip
_LATIN = re.compile("|".join(re.escape(src) for src, _ in LATIN_TO_CYRILLIC))
_TO_CYRILLIC = dict(LATIN_TO_CYRILLIC)


def cyrillic_to_latin(text: str) -> str:
    out, previous = [], " "
    for ch in text:
        low = ch.lower()
        if low == "е" and previous in _VOWELS:
            latin = "ye"
        elif low in BGN:
            latin = BGN[low]
        else:
            latin = low
        out.append(latin.capitalize() if ch != low else latin)
        previous = low
    return "".join(out)


def latin_to_cyrillic(text: str) -> str:
    def word(w: str) -> str:
        cyr = _LATIN.sub(lambda m: _TO_CYRILLIC[m.group(0)], w.lower())
        return cyr[:1].upper() + cyr[1:]

    return " ".join(word(w) for w in text.split())


def script_of(text: str) -> str:
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            return "cyrl"
        if "\u0600" <= ch <= "\u06ff":
            return "arab"
        if ch.isalpha():
            return "latn"
    return ""


def other_script(name: PersonName) -> str | None:
    text = " ".join(p for p in (name.family_name, name.given_name) if p) or name.full_text
    script = script_of(text)
    if script == "cyrl":
        return cyrillic_to_latin(text)
    if script == "latn":
        return latin_to_cyrillic(text)
    return None


def search(user, query: str, limit: int) -> tuple[list[int], float]:
    """The first `limit` person ids of the list page's search, and the seconds its SQL took."""
    filterset = PersonFilterSet({"q": query}, queryset=Person.objects.visible_to(user), user=user)
    rows = filterset.qs.order_by("-search_rank", "display_name", "id").values_list("pk", flat=True)
    started = time.perf_counter()
    found = list(rows[:limit])
    return found, time.perf_counter() - started


def queries(persons) -> tuple[list[tuple[Person, str]], int]:
    """(person, query) for each person; how many had no name to write in another script."""
    names: dict[int, list[PersonName]] = {}
    for name in PersonName.objects.filter(person__in=persons).order_by("-is_primary", "pk"):
        names.setdefault(name.person_id, []).append(name)
    found, without = [], 0
    for person in persons:
        theirs = [n for n in names.get(person.pk, []) if n.kind not in ("kunya", "nickname")]
        query = next((q for q in map(other_script, theirs) if q), None)
        if query is None:
            without += 1
            continue
        found.append((person, query))
    return found, without


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as", dest="persona", choices=["supervisor", "caseworker"],
                        default="supervisor")  # fmt: skip
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--timing-only", type=int, default=0, metavar="N")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    _, supervisor, caseworker = setup.actors()
    user = supervisor if args.persona == "supervisor" else caseworker
    persons = list(Person.objects.visible_to(user).filter(merged_into__isnull=True).order_by("pk"))
    if args.timing_only:
        persons = random.Random(args.seed).sample(persons, min(args.timing_only, len(persons)))
    asked, without = queries(persons)
    misses, timings, first = [], [], 0
    search(user, "warm up", args.limit)
    for person, query in asked:
        found, seconds = search(user, query, args.limit)
        timings.append(seconds)
        if person.pk not in found:
            misses.append((person, query))
        elif found[0] == person.pk:
            first += 1
    ms = [t * 1000 for t in timings]
    print(f"database: {setup.connection.vendor}, persons visible to the {args.persona}: "
          f"{len(Person.objects.visible_to(user))}")  # fmt: skip
    print(f"queries: {len(asked)} (persons without a Cyrillic or Latin name: {without})")
    share = 1 - len(misses) / max(len(asked), 1)
    sample = f" (a random sample of {len(persons)})" if args.timing_only else ""
    print(f"found among the first {args.limit}{sample}: {share:.4f} ({len(misses)} misses); "
          f"first: {first / max(len(asked), 1):.4f}")  # fmt: skip
    if misses:
        for person, query in misses[:40]:
            shown = " | ".join(n.as_text() for n in person.names.all())
            rank = _rank(user, person, query)
            print(f"  miss: {query!r} → {shown} (rank {rank})")
    print(f"search SQL ms: p50 {statistics.median(ms):.1f}  p95 {percentile(ms, 0.95):.1f}  "
          f"p99 {percentile(ms, 0.99):.1f}  max {max(ms):.1f}")  # fmt: skip
    sys.stdout.flush()


def _rank(user, person, query) -> str:
    found, _ = search(user, query, 1001)
    return str(found.index(person.pk) + 1) if person.pk in found else "not found"


if __name__ == "__main__":
    main()
