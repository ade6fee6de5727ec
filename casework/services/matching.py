"""Finding known persons for a record (by stored keys, never by scanning), the intake check, match
suggestions and the decisions people take on them.

The matching engine (`casework.matching`) is pure Python; this module is its adapter to the
database: it looks candidates up by the engine's blocking keys stored as `NameKey` rows, loads
them in bulk, and scores them with the engine.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby, islice
from operator import itemgetter

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.births import birth_range
from casework.matching import (
    AUTO_LINK_THRESHOLD,
    MATCH_THRESHOLD,
    BirthRange,
    Model,
    PersonRecord,
    PreparedRecord,
    Scored,
    default_model,
    prepare,
    score_pair,
)
from casework.matching.keys import SEARCH_ONLY_KINDS
from casework.models import (
    Decision,
    ListImportRow,
    MatchSuggestion,
    NameKey,
    Person,
    RowOutcome,
    SuggestionKind,
)
from casework.permissions import Action, Level, person_levels, require
from casework.services.errors import ServiceError
from casework.services.list_rows import list_moved_on, row_create_person
from casework.services.names import (
    KEY_LENGTH,
    load_people,
    load_records,
    minimal_records_for,
    refresh_name_keys,
)
from casework.services.text_input import MAX_TEXT, clean_input

# A key shared by more persons than this says little (a common surname alone): skip it.
BLOCK_CAP = 400
# At most this many persons (those sharing the most keys) are loaded and scored per record; the
# scope is checked for a few times as many.
SCORE_LIMIT = 60
SCOPE_CHECK_LIMIT = 4 * SCORE_LIMIT
KEY_CHUNK = 2000  # keys per look-up query (SQLite's limit on query parameters)
# Pairs scored between two progress reports; only their persons are held at a time.
PAIR_CHUNK = 2000
KEY_STREAM_CHUNK = 5000  # stored keys read per round trip when finding duplicates
BLOCK_PAIR_CAP = 60  # a key shared by more persons than this makes too many pairs to score
SHOWN_FLOOR = 0.05  # candidates below this are not worth a person's attention
# Fields whose agreement makes an automatic link safe (besides the names the score rests on).
STRONG_AGREEMENTS = {
    "birth_date": {"same_day", "overlap"},
    "identifier": {"exact"},
    "father": {"agree"},
    "mother": {"both_agree"},
    "kunya": {"agree"},
}


# Share of searched records that are already known: the prior that a record is any one of N
# stored persons is about SHARE_KNOWN / N (the engine's `Model.with_prior`).
SHARE_KNOWN = 0.3
POPULATION_TTL = 300.0  # seconds a large scope's head count is reused
CACHED_POPULATION = 5000
_population_cache: dict[str, tuple[float, int]] = {}


@lru_cache(maxsize=1)
def model() -> Model:
    return default_model()


def population(scope_qs: QuerySet) -> int:
    """How many persons a search draws from. A large count is reused a few minutes (it only
    sets the prior, and moves little); a small one is counted every time."""
    scope_qs = scope_qs.filter(merged_into__isnull=True)
    if scope_qs.query.is_empty():
        return 0  # a gate that lets the caller see no one (`str()` of its query would raise)
    key = str(scope_qs.query)
    now = time.monotonic()
    cached = _population_cache.get(key)
    if cached is not None and now - cached[0] <= POPULATION_TTL:
        return cached[1]
    size = scope_qs.count()
    if size >= CACHED_POPULATION:
        _population_cache[key] = (now, size)
    return size


def model_for(scope_qs: QuerySet) -> Model:
    """The shipped model with the prior of this population, never above the shipped prior
    (which was calibrated on lists of a few hundred people)."""
    base = model()
    size = population(scope_qs)
    if not size:
        return base
    return base.with_prior(min(base.prior, SHARE_KNOWN / size))


@dataclass
class Candidate:
    """A known person who may be the same as the record searched for.

    With a viewer (`candidates_bulk(viewer=...)`), a person the viewer may see only at the minimal
    level is `restricted`: found, scored and explained on the minimal evidence alone (names, sex,
    birth year), so the answer never depends on a value the viewer may not see. `full_probability`
    and `full_explanation` are the score on the whole record, asked for by a caller that hands it
    only to those who may see the person (a list import's review suggestion), never to the viewer.
    """

    person: Person
    probability: float
    explanation: dict = field(default_factory=dict)
    restricted: bool = False
    full_probability: float | None = None
    full_explanation: dict | None = None

    @property
    def public_id(self):
        return self.person.public_id

    @property
    def display_name(self) -> str:
        return self.person.display_name

    @property
    def birth_year(self) -> int | None:
        return self.person.birth_year

    @property
    def status(self) -> str:
        return self.person.status

    @property
    def band(self) -> str:
        if self.probability >= AUTO_LINK_THRESHOLD:
            return "auto"
        return "review" if self.probability >= MATCH_THRESHOLD else "unlikely"

    @property
    def strong_field_agrees(self) -> bool:
        return strong_field_agrees(self.explanation)


def explanation_of(scored: Scored) -> dict:
    """The waterfall as stored with a suggestion and shown to reviewers."""
    return {
        "prior": round(scored.prior_weight, 2),
        "total": round(scored.match_weight, 2),
        "probability": round(scored.probability, 4),
        "fields": [
            {
                "field": f.field,
                "left": f.left,
                "right": f.right,
                "level": f.level,
                "weight": round(f.weight, 2),
            }
            for f in scored.explanation
        ],
    }


def strong_field_agrees(explanation: dict) -> bool:
    return any(
        f["level"] in STRONG_AGREEMENTS.get(f["field"], ()) for f in explanation.get("fields", [])
    )


# --- Candidate search ---------------------------------------------------------------------------


def _chunks(items: Sequence, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _blocks(keys: Iterable[str]) -> dict[str, list[int]]:
    """Person ids per key, for the keys given (indexed look-ups); oversized blocks dropped."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted({k[:KEY_LENGTH] for k in keys}), KEY_CHUNK):
        for key, person_id in NameKey.objects.filter(key__in=chunk).values_list("key", "person_id"):
            blocks[key].append(person_id)
    return {k: ids for k, ids in blocks.items() if len(ids) <= BLOCK_CAP}


def _ranked(key_set: set[str], blocks: dict[str, list[int]], least: float = 0.0) -> list[int]:
    """Persons sharing keys with the record, most (and rarest) shared keys first."""
    weight: Counter[int] = Counter()
    for key in key_set:
        ids = blocks.get(key[:KEY_LENGTH])
        if not ids:
            continue
        share = 1.0 / len(ids)
        for person_id in ids:
            weight[person_id] += 1.0 + share
    return [pid for pid, w in weight.most_common(SCOPE_CHECK_LIMIT) if w >= least]


def _best(
    prepared: Sequence[PreparedRecord],
    theirs: Sequence[PreparedRecord],
    scoring: Model,
    explain: bool = True,
) -> Scored | None:
    best = None
    pair = None
    for mine in prepared:
        for other in theirs:
            scored = score_pair(mine, other, scoring, explain=False)
            if best is None or scored.probability > best.probability:
                best, pair = scored, (mine, other)
    if best is not None and explain:
        best = score_pair(*pair, scoring)  # the explanation, for the best pair only
    return best


def _scope_ids(scope_qs: QuerySet, ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(sorted(set(ids)), KEY_CHUNK):
        found.update(
            scope_qs.filter(pk__in=chunk, merged_into__isnull=True).values_list("pk", flat=True)
        )
    return found


def candidates_bulk(
    records: Sequence[Sequence[PersonRecord]],
    scope_qs: QuerySet,
    *,
    limit: int = 5,
    floor: float = SHOWN_FLOOR,
    exclude: Sequence[set[int]] | None = None,
    score_limit: int = SCORE_LIMIT,
    least_shared: float = 0.0,
    viewer=None,
    keep_full: bool = False,
) -> list[list[Candidate]]:
    """Candidates for many records at once (a list import): one key look-up, one scope check and
    one bulk load for all of them. Each entry of `records` is one searched person, given as one or
    more engine records (several names). At most `score_limit` persons are scored per record, those
    sharing the most keys with it; `least_shared` skips persons sharing too little (each shared key
    counts 1 plus the inverse of its block's size).

    With a `viewer`, each person is judged on what the viewer may see of them: the whole record
    from the sensitive level up, else only the minimal evidence (see `Candidate`), which must then
    also share a key with the record by itself. `keep_full` adds the whole-record score to such
    candidates."""
    prepared = [[prepare(r) for r in group] for group in records]
    key_sets = [set().union(*(p.blocking for p in group)) if group else set() for group in prepared]
    blocks = _blocks(set().union(*key_sets)) if key_sets else {}
    ranked = [_ranked(keys, blocks, least_shared) for keys in key_sets]
    allowed = _scope_ids(scope_qs, {pid for ids in ranked for pid in ids})
    ranked = [[pid for pid in ids if pid in allowed][:score_limit] for ids in ranked]
    people: dict[int, tuple[Person, list, list[PersonRecord]]] = {}
    wanted = {pid for ids in ranked for pid in ids}
    for chunk in _chunks(sorted(wanted), KEY_CHUNK):
        people.update(load_people(chunk))
    levels = person_levels(viewer, [p for p, _, _ in people.values()]) if viewer is not None else {}
    shown: dict[int, list[PreparedRecord]] = {}  # what each person is scored on
    full: dict[int, list[PreparedRecord]] = {}  # the whole record, of restricted persons
    restricted_keys: dict[int, set[str]] = {}
    for pk, (person, names, recs) in people.items():
        if viewer is not None and levels.get(pk, Level.NONE) < Level.SENSITIVE:
            shown[pk] = [prepare(r) for r in minimal_records_for(person, names)]
            restricted_keys[pk] = {k[:KEY_LENGTH] for p in shown[pk] for k in p.blocking}
            if keep_full:
                full[pk] = [prepare(r) for r in recs]
        else:
            shown[pk] = [prepare(r) for r in recs]
    scoring = model_for(scope_qs)
    results = []
    for index, (group, ids, keys) in enumerate(zip(prepared, ranked, key_sets, strict=True)):
        skip = exclude[index] if exclude else set()
        mine = {k[:KEY_LENGTH] for k in keys}
        found = []
        for pid in ids:
            if pid in skip or pid not in people:
                continue
            if pid in restricted_keys and not mine & restricted_keys[pid]:
                continue  # found only through what the viewer may not see
            scored = _best(group, shown[pid], scoring, explain=False)
            if scored is not None and scored.probability >= floor:
                found.append((scored.probability, pid))
        found.sort(key=lambda item: (-item[0], item[1]))
        candidates = []
        for _, pid in found[:limit]:
            person = people[pid][0]
            scored = _best(group, shown[pid], scoring)
            candidate = Candidate(person, scored.probability, explanation_of(scored))
            if pid in restricted_keys:
                candidate.restricted = True
                candidate.explanation = _minimal(candidate.explanation, person)
                if pid in full:
                    whole = _best(group, full[pid], scoring)
                    if whole is not None:
                        candidate.full_probability = whole.probability
                        candidate.full_explanation = explanation_of(whole)
            candidates.append(candidate)
        results.append(candidates)
    return results


def candidates_for(
    record: PersonRecord | Sequence[PersonRecord],
    scope_qs: QuerySet,
    limit: int = 10,
    *,
    floor: float = SHOWN_FLOOR,
    exclude: set[int] | None = None,
    viewer=None,
) -> list[Candidate]:
    """Known persons (within `scope_qs`) who may be `record`, most probable first (judged on what
    `viewer`, when given, may see of each: see `candidates_bulk`)."""
    group = [record] if isinstance(record, PersonRecord) else list(record)
    found = candidates_bulk(
        [group], scope_qs, limit=limit, floor=floor, exclude=[exclude or set()], viewer=viewer
    )
    return found[0]


# --- The intake check ---------------------------------------------------------------------------


def _name_record(name, common: dict) -> PersonRecord | None:
    if isinstance(name, str):
        parts = {"full_name": name}
    elif isinstance(name, dict):
        parts = {
            "family_name": name.get("family_name", ""),
            "given_name": name.get("given_name", ""),
            "patronymic": name.get("patronymic", ""),
            "full_name": name.get("full_text", "") or name.get("full_name", ""),
            "kind": name.get("kind", "legal"),
        }
    else:
        parts = {
            "family_name": getattr(name, "family_name", ""),
            "given_name": getattr(name, "given_name", ""),
            "patronymic": getattr(name, "patronymic", ""),
            "full_name": getattr(name, "full_text", "") or getattr(name, "full_name", ""),
            "kind": getattr(name, "kind", "legal"),
        }
    kind = parts.pop("kind", "legal")
    if not any(str(v or "").strip() for v in parts.values()):
        return None
    if kind in ("alias", "kunya", "nickname"):
        text = " ".join(str(v) for v in parts.values() if v)
        return PersonRecord(record_id="intake", aliases=(text,), **common)
    return PersonRecord(record_id="intake", **{k: v or "" for k, v in parts.items()}, **common)


def _intake_birth(birth_date, birth_precision, age_stated, age_stated_on) -> BirthRange:
    precision = birth_precision or ("exact" if birth_date else "unknown")
    if age_stated is not None and birth_date is None:
        precision = "age"
    earliest, latest = birth_range(
        precision, birth_date, age_stated, age_stated_on or timezone.localdate()
    )
    if earliest is None:
        return BirthRange()
    return BirthRange(earliest, latest, {"age": "estimated"}.get(precision, precision))


# The comparisons the minimal evidence (names, sex, birth year) can make.
_MINIMAL_FIELDS = {
    "family_name", "given_name", "birth_date", "sex", "father", "patronymic", "kunya",
}  # fmt: skip


def _minimal(explanation: dict, person: Person) -> dict:
    """The explanation of a score on the minimal evidence: the candidate's birth shown as the
    year the viewer may see, and nothing that evidence does not hold."""
    fields = []
    for f in explanation.get("fields", []):
        if f["field"] not in _MINIMAL_FIELDS:
            continue
        f = dict(f)
        if f["field"] == "birth_date":
            f["right"] = str(person.birth_year) if person.birth_year and f["right"] else ""
        fields.append(f)
    return {**explanation, "fields": fields}


def intake_candidates(
    *,
    actor,
    names,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    birth_precision: str | None = None,
    age_stated: int | None = None,
    age_stated_on: dt.date | None = None,
    birthplace: str = "",
    region: str = "",
    mother_name: str = "",
    father_name: str = "",
    limit: int = 10,
) -> list[Candidate]:
    """ "This person may already be known": persons of the actor's organisation the duplicate
    check may reveal (never protected ones unless the actor may see them), with name, birth year
    and status only, and the comparison field by field.

    Each candidate is found and scored only on what the actor may see of them: a person of the
    actor's own cases on the whole record, any other one on the minimal evidence (names, sex,
    birth year), so trying values (a birthplace, a mother's name, an exact date) teaches nothing
    about a record the actor may not read. The explanation holds only what was compared.
    """
    common = {
        "sex": sex if sex in ("F", "M") else "",
        "birth": _intake_birth(birth_date, birth_precision, age_stated, age_stated_on),
        "birth_place": birthplace or "",
        "region": region or "",
        "mother_name": mother_name or "",
        "father_name": father_name or "",
    }
    if isinstance(names, str | dict):
        names = [names]
    records = [r for r in (_name_record(n, common) for n in names or ()) if r is not None]
    scope = Person.objects.known_to(actor)
    if not records or scope.query.is_empty():
        return []
    return candidates_for(records, scope, limit=limit, viewer=actor)


def intake_candidates_for_input(*, actor, names, values: dict) -> list[Candidate]:
    """`intake_candidates` for a person about to be created from a form or an API body: `names`
    as `NameInput`s, `values` the person's fields as the create service takes them."""
    return intake_candidates(
        actor=actor,
        names=[
            {
                "family_name": n.family_name,
                "given_name": n.given_name,
                "patronymic": n.patronymic,
                "full_text": n.full_text,
                "kind": n.kind,
            }
            for n in names
        ],
        sex=values.get("sex"),
        birth_date=values.get("birth_date"),
        birth_precision=values.get("birth_precision"),
        age_stated=values.get("age_stated"),
        age_stated_on=values.get("age_stated_on"),
        birthplace=values.get("birthplace", ""),
        region=values.get("region_of_origin", ""),
        mother_name=values.get("mother_name", ""),
        father_name=values.get("father_name", ""),
    )


# --- Suggestions and decisions ------------------------------------------------------------------


DECISIONS = {Decision.CONFIRMED, Decision.REJECTED, Decision.NEEDS_INFO}


def suggestion_decide(*, actor, suggestion: MatchSuggestion, decision: str, reason: str):
    """Confirm, reject or ask for more information, with who and why. A confirmed row–person pair
    links the row; a rejected one, once no candidate is left, makes the row a new person. A
    confirmed person–person pair is merged on the merge page (by a supervisor)."""
    require(actor, Action.DECIDE_MATCH, suggestion.person)
    if suggestion.other_person_id:
        require(actor, Action.DECIDE_MATCH, suggestion.other_person)
    if decision not in DECISIONS:
        raise ServiceError(
            {"decision": [gettext("Unknown decision %(decision)r.") % {"decision": decision}]}
        )
    reason = clean_input(
        "reason", reason, max_length=MAX_TEXT, required=gettext("Say why you decided so.")
    )
    with transaction.atomic():
        locked = MatchSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.decision in (Decision.CONFIRMED, Decision.REJECTED):
            raise ServiceError(
                {
                    "decision": [
                        gettext("This pair was already decided (%(decision)s).")
                        % {"decision": locked.get_decision_display()}
                    ]
                }
            )
        before = locked.decision
        _set_decision(locked, actor, decision, reason)
        changes = {"decision": [before, decision]}
        if locked.kind == SuggestionKind.ROW_PERSON:
            changes.update(_settle_row(actor, locked, decision))
        audit.record(
            actor,
            AuditAction.DECIDE_MATCH,
            locked,
            fields=["decision", "decision_reason"],
            changes=changes,
            reason=reason,
        )
    return locked


def _set_decision(suggestion: MatchSuggestion, actor, decision: str, reason: str) -> None:
    suggestion.decision = decision
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.decision_reason = reason
    # `updated_at` too: a partner's copy of the suggestion (its ETag, `updated_since`) moves on.
    suggestion.save(
        update_fields=["decision", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )


def _settle_row(actor, suggestion: MatchSuggestion, decision: str) -> dict:
    row = ListImportRow.objects.select_for_update().get(pk=suggestion.list_row_id)
    if row.outcome != RowOutcome.AMBIGUOUS:
        return {}
    others = MatchSuggestion.objects.filter(list_row=row).exclude(pk=suggestion.pk)
    if decision == Decision.CONFIRMED:
        row.outcome = RowOutcome.LINKED
        row.person = suggestion.person
        row.reason = "confirmed by a reviewer"
        row.save(update_fields=["outcome", "person", "reason", "updated_at"])
        list_moved_on(row)
        refresh_name_keys(suggestion.person)  # the row may name the person's mother or father
        closed = []
        for other in others.filter(decision__in=[Decision.PENDING, Decision.NEEDS_INFO]):
            _set_decision(other, actor, Decision.REJECTED, "another person was confirmed")
            closed.append(str(other.public_id))
        return {"row": [RowOutcome.AMBIGUOUS, RowOutcome.LINKED], "closed": closed}
    if decision == Decision.REJECTED and not others.exclude(decision=Decision.REJECTED).exists():
        person = row_create_person(actor=actor, row=row)
        return {"row": [RowOutcome.AMBIGUOUS, RowOutcome.CREATED], "created": str(person.public_id)}
    return {}


def _duplicate_pairs(scope: QuerySet, limit_pairs: int) -> set[tuple[int, int]]:
    """Pairs of persons sharing a stored key. The keys are read in key order, a block at a time,
    so only one block and the pairs found so far are held, never every key of the organisation."""
    stored = (
        NameKey.objects.filter(person__in=scope.values("pk"))
        .exclude(kind__in=SEARCH_ONLY_KINDS)
        .order_by("key", "person_id")
        .values_list("key", "person_id")
    )
    pairs: set[tuple[int, int]] = set()
    for _key, rows in groupby(stored.iterator(chunk_size=KEY_STREAM_CHUNK), key=itemgetter(0)):
        ids = [pid for _k, pid in islice(rows, BLOCK_PAIR_CAP + 1)]
        if len(ids) < 2 or len(ids) > BLOCK_PAIR_CAP:
            continue
        ids = sorted(set(ids))
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
        if len(pairs) > limit_pairs:
            break
    return pairs


def suggestions_find_duplicates(
    *, actor, limit_pairs: int = 50_000, progress: Callable[[int, int], None] | None = None
) -> int:
    """Person–person suggestions for the actor's organisation: blocking on the stored keys,
    scoring, and storing each new pair at or above the review threshold. Pairs already suggested
    (pending or decided, rejected above all) are never suggested again. Returns how many.
    Organisation-wide work, so a supervisor's.

    The pairs are scored a chunk at a time (the persons of one chunk loaded, scored, let go), and
    `progress(done, total)` is told after each chunk: a background task shows it as it goes."""
    require(actor, Action.MERGE_PERSONS)
    scope = Person.objects.filter(organisation_id=actor.organisation_id, merged_into__isnull=True)
    pairs = _duplicate_pairs(scope, limit_pairs)
    known = set(
        MatchSuggestion.objects.filter(
            organisation_id=actor.organisation_id, kind=SuggestionKind.PERSON_PERSON
        ).values_list("person_id", "other_person_id")
    )
    pairs -= known
    scoring = model_for(scope)
    ordered = sorted(pairs)
    del pairs
    if progress is not None:
        progress(0, len(ordered))
    new = []
    for done, chunk in enumerate(_chunks(ordered, PAIR_CHUNK), start=1):
        loaded: dict[int, list[PreparedRecord]] = {}
        wanted = sorted({p for pair in chunk for p in pair})
        for ids in _chunks(wanted, KEY_CHUNK):
            for pk, (_person, recs) in load_records(ids).items():
                loaded[pk] = [prepare(r) for r in recs]
        for a, b in chunk:
            if a not in loaded or b not in loaded:
                continue
            scored = _best(loaded[a], loaded[b], scoring)
            if scored is not None and scored.probability >= MATCH_THRESHOLD:
                new.append(
                    MatchSuggestion(
                        organisation_id=actor.organisation_id,
                        kind=SuggestionKind.PERSON_PERSON,
                        person_id=a,
                        other_person_id=b,
                        probability=min(1.0, max(0.0, scored.probability)),
                        explanation=explanation_of(scored),
                    )
                )
        if progress is not None:
            progress(min(done * PAIR_CHUNK, len(ordered)), len(ordered))
    with transaction.atomic():
        MatchSuggestion.objects.bulk_create(new, ignore_conflicts=True)
        audit.record(
            actor,
            AuditAction.CREATE,
            None,
            changes={"find_duplicates": {"pairs_scored": len(ordered), "suggested": len(new)}},
            reason="find duplicates",
        )
    return len(new)
