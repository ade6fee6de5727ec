"""Multi-script person-name matching: normalise, key, score and link person records.

Pure Python (no Django, no database). The public API:

- ``PersonRecord.from_dict(row)``: a record from a dict using the sample column names
- ``prepare(record) -> PreparedRecord``: every normalised form, computed once
- ``keys_for_name(...)``, ``keys_for_person(prepared)``: index keys to store as (person, key) rows
- ``score_pair(a, b, model=None) -> Scored``: calibrated probability and explanation
- ``score_against(record, candidates, population)``: an intake check, best candidates first
- ``link_lists(left, right)``, ``dedupe_list(records)``: whole-list reconciliation
- ``read_rows(path_or_bytes)``: CSV in UTF-8 / BOM / UTF-16 / cp1251
"""

from .csvio import CsvError, read_rows
from .keys import PreparedRecord, candidate_pairs, keys_for_name, keys_for_person, prepare
from .linkage import (
    AUTO_LINK_THRESHOLD,
    MATCH_THRESHOLD,
    Cluster,
    DedupeResult,
    LinkResult,
    band,
    dedupe_list,
    link_lists,
)
from .records import BirthRange, PersonRecord
from .scoring import FieldWeight, Model, Scored, default_model, score_against, score_pair

__all__ = [
    "AUTO_LINK_THRESHOLD",
    "MATCH_THRESHOLD",
    "BirthRange",
    "Cluster",
    "CsvError",
    "DedupeResult",
    "FieldWeight",
    "LinkResult",
    "Model",
    "PersonRecord",
    "PreparedRecord",
    "Scored",
    "band",
    "candidate_pairs",
    "dedupe_list",
    "default_model",
    "keys_for_name",
    "keys_for_person",
    "link_lists",
    "prepare",
    "read_rows",
    "score_against",
    "score_pair",
]
