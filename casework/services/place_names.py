"""Place names as lists and reports write them, matched to known places in any script.

"Roj camp", "Лагерь Рож" and "лагерь Родж" are one place: a name is reduced to a key (the
matcher's transliteration and phonetic folding of its words, without the words that only say
what kind of place it is: camp, лагерь, مخيم, prison, тюрьма ...). A name whose key is the key of
exactly one place (its name or one of its aliases) is matched for sure; anything else is not
guessed: it waits in the organisation's review queue (`PlaceName`), with the place it most likely
means when exactly one fits ("Mosul, orphanage": the one orphanage in Mosul).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from casework import audit
from casework.audit import AuditAction
from casework.matching.normalise import phonetic, to_latin, tokens
from casework.models import DetentionLocation, PlaceAlias, PlaceName, PlaceNameStatus

# Words that say what kind of place it is, in the matcher's Latin transliteration of English,
# Russian and Arabic (مخيم → mhm, سجن → sjn, ملجأ/دار أيتام → mlj/dr ytm), each with its kind.
_KIND_WORDS = {
    "camp": "camp",
    "camps": "camp",
    "lager": "camp",
    "lagere": "camp",
    "mhm": "camp",
    "prison": "prison",
    "jail": "prison",
    "tyurma": "prison",
    "tyurme": "prison",
    "turma": "prison",
    "sjn": "prison",
    "orphanage": "orphanage",
    "detdom": "orphanage",
    "priyut": "orphanage",
    "priiut": "orphanage",
    "mlj": "orphanage",
    "ytm": "orphanage",
    "hospital": "hospital",
    "bolnitsa": "hospital",
    "gospital": "hospital",
    "mstshf": "hospital",
}
# Words that carry no name at all.
_FILLER = {"the", "of", "in", "v", "na", "detskii", "dom", "dr"}
# What lists write when they do not know the place: not a place to review.
_UNKNOWN = {"", "unknown", "neizvestno", "nieizvestno", "ghyr mrwf", "n/a", "-", "?"}


def _words(text: str) -> list[str]:
    return tokens(text)


def place_key(text: str | None) -> str:
    """The key a place name is matched on: the phonetic forms of its name-bearing words, sorted
    (word order varies: "camp Roj", "Roj camp")."""
    words = [w for w in _words(text or "") if w not in _KIND_WORDS and w not in _FILLER]
    return " ".join(sorted({phonetic(w) for w in words if phonetic(w)}))[:200]


def _kind_named(text: str) -> str | None:
    kinds = {_KIND_WORDS[w] for w in _words(text) if w in _KIND_WORDS}
    return kinds.pop() if len(kinds) == 1 else None


def is_unknown(text: str | None) -> bool:
    return to_latin((text or "").strip()).strip(" .") in _UNKNOWN


@dataclass(frozen=True)
class PlaceMatch:
    """`place`: the place the name means for sure (None when not sure); `suggested`: the place it
    most likely means when not sure."""

    place: DetentionLocation | None
    suggested: DetentionLocation | None = None

    @property
    def sure(self) -> bool:
        return self.place is not None


class PlaceIndex:
    """Every known place by the keys of its name and aliases, built once for a whole list."""

    def __init__(self, places, aliases):
        self.places = {place.pk: place for place in places}
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.keys: dict[int, set[str]] = defaultdict(set)
        for place in self.places.values():
            self._add(place.pk, place_key(place.name))
        for alias in aliases:
            if alias.location_id in self.places:
                self._add(alias.location_id, alias.key)

    def _add(self, place_id: int, key: str) -> None:
        if key:
            self.by_key[key].add(place_id)
            self.keys[place_id].add(key)

    @classmethod
    def build(cls) -> PlaceIndex:
        # Places are reference data, seen alike by all staff (their read gate lets every staff
        # member see all of them): matching a list's names may use every one.
        return cls(DetentionLocation.objects.all(), PlaceAlias.objects.all())

    def match(self, text: str | None) -> PlaceMatch:
        key = place_key(text)
        if not key or is_unknown(text):
            return PlaceMatch(None)
        found = self.by_key.get(key, set())
        if len(found) == 1:
            return PlaceMatch(self.places[next(iter(found))])
        if found:
            return PlaceMatch(None)
        return PlaceMatch(None, suggested=self._likely(text, key))

    def _likely(self, text: str, key: str) -> DetentionLocation | None:
        """The one place whose name holds every word of this one ("Rusafa" → "al-Rusafa women's
        prison"), or the one place of the named kind in the named city ("Mosul, orphanage")."""
        in_city = [place for place in self.places.values() if place_key(place.city) == key]
        kind = _kind_named(text)
        if kind is not None:
            of_kind = [place for place in in_city if place.kind == kind]
            if len(of_kind) == 1:
                return of_kind[0]
        if len(in_city) > 1:
            return None  # a town with several places ("Qamishli") names none of them
        words = set(key.split())
        holding = {
            place_id
            for place_id, keys in self.keys.items()
            if any(words <= set(k.split()) for k in keys)
        }
        return self.places[holding.pop()] if len(holding) == 1 else None


def match_place(text: str | None) -> PlaceMatch:
    """One name matched against every known place (for many names, build a `PlaceIndex` once)."""
    return PlaceIndex.build().match(text)


def queue_place_name(actor, text: str, match: PlaceMatch) -> PlaceName | None:
    """Put a name that matched no place for sure in the actor's organisation's review queue (or
    count it again there). Called inside the transaction of the write that met the name (a list
    import), whose service checked the actor's right to write it."""
    key = place_key(text)
    if match.sure or not key or is_unknown(text):
        return None
    queued, created = PlaceName.objects.get_or_create(
        organisation_id=actor.organisation_id,
        key=key,
        defaults={"name": text.strip()[:300], "suggested": match.suggested},
    )
    if created:
        audit.record(actor, AuditAction.CREATE, queued, fields=["name", "key", "suggested"])
    elif queued.status == PlaceNameStatus.OPEN:
        PlaceName.objects.filter(pk=queued.pk).update(times_seen=F("times_seen") + 1)
    return queued
