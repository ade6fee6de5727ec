"""The staff interface speaks Russian throughout: every message of the Russian catalogue is
translated, and the pages a caseworker uses all day, rendered in Russian, show no English label
of any model choice (statuses, sex, scripts, name kinds, sources, outcomes, audit actions)."""

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models as db_models
from django.utils import timezone, translation

from casework import models
from casework.audit import AuditAction
from casework.models import ManifestEntry, PersonStatus, ReportEntry
from casework.services.flights import (
    escort_add,
    flight_update,
    handover_record,
    manifest_approve,
    manifest_mark_boarded,
    manifest_propose,
)
from casework.services.imports import list_import_commit, list_import_upload
from casework.services.reports import (
    person_input_from_entry,
    report_set_family_status,
    report_triage_entry,
)
from tests.factories import FlightFactory, PersonFactory, ReportFactory

PO = Path(settings.BASE_DIR) / "casework/locale/ru/LC_MESSAGES/django.po"

# --- The catalogue ---------------------------------------------------------------------------


def _po_entries(text: str) -> list[dict]:
    """Each entry of a .po file: its flags, msgid and every msgstr (plural forms included),
    with continued strings joined. Obsolete entries (`#~`) are not part of the catalogue."""
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        flags: set[str] = set()
        strings: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                strings[key] += _unquote(line)
            else:
                key, _, rest = line.partition(" ")
                strings[key] = _unquote(rest)
        if "msgid" in strings:
            entries.append({"flags": flags, "strings": strings})
    return entries


def _unquote(quoted: str) -> str:
    assert quoted.startswith('"') and quoted.endswith('"'), quoted
    return quoted[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


def test_the_po_parser_reads_plurals_continuations_and_flags():
    entries = _po_entries(
        '#, fuzzy, python-format\nmsgid ""\n"two "\n"lines"\nmsgstr "две строки"\n\n'
        'msgid "%(n)s file"\nmsgid_plural "%(n)s files"\nmsgstr[0] "a"\nmsgstr[1] ""\n\n'
        '#~ msgid "gone"\n#~ msgstr ""'
    )
    assert entries == [
        {
            "flags": {"fuzzy", "python-format"},
            "strings": {"msgid": "two lines", "msgstr": "две строки"},
        },
        {
            "flags": set(),
            "strings": {
                "msgid": "%(n)s file",
                "msgid_plural": "%(n)s files",
                "msgstr[0]": "a",
                "msgstr[1]": "",
            },
        },
    ]


def test_every_msgid_of_the_russian_catalogue_is_translated_and_none_is_fuzzy():
    entries = [e for e in _po_entries(PO.read_text(encoding="utf-8")) if e["strings"]["msgid"]]
    assert len(entries) > 700
    fuzzy = [e["strings"]["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [
        e["strings"]["msgid"]
        for e in entries
        if any(not value for key, value in e["strings"].items() if key.startswith("msgstr"))
    ]
    assert not fuzzy, fuzzy[:5]
    assert not empty, empty[:5]


def test_every_russian_translation_keeps_the_placeholders_of_its_msgid():
    placeholder = re.compile(r"%\(\w+\)[-#0 +]?\d*(?:\.\d+)?[sdrf]")
    broken = []
    for entry in _po_entries(PO.read_text(encoding="utf-8")):
        strings = entry["strings"]
        if not strings["msgid"]:
            continue  # the header
        wanted = set(placeholder.findall(strings["msgid"] + strings.get("msgid_plural", "")))
        broken.extend(
            (strings["msgid"], value)
            for key, value in strings.items()
            if key.startswith("msgstr") and set(placeholder.findall(value)) != wanted
        )
    assert not broken, broken[:5]


# --- English labels in Russian pages -----------------------------------------------------------


def _english_choice_labels() -> set[str]:
    """Every label of every choices class of casework.models, and the audit actions, in English."""
    classes = [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, db_models.Choices)
    ]
    classes.append(AuditAction)
    assert len(classes) > 20
    with translation.override("en"):
        return {str(label) for cls in classes for label in cls.labels}


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes (options included) and the attributes read
    out by screen readers; never scripts, styles or values sent with a form."""

    HIDDEN = {"script", "style", "template"}
    SPOKEN = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        self.parts.extend(value for name, value in attrs if name in self.SPOKEN and value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _english_labels_in(html: str) -> list[str]:
    text = _visible_text(html)
    return sorted(
        label
        # No label reads the same in Russian, so none is exempt.
        for label in _english_choice_labels()
        if re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text, re.IGNORECASE)
    )


def _english_names() -> set[str]:
    """The name of every kind of record and of every field of one, in English, as histories and
    the audit trail show them."""
    names = set()
    with translation.override("en"):
        for model in apps.get_app_config("casework").get_models():
            names |= {str(model._meta.verbose_name), str(model._meta.verbose_name_plural)}
            names |= {
                str(field.verbose_name)
                for field in model._meta.get_fields()
                if field.concrete and not field.auto_created
            }
    return names


def _english_names_in(html: str) -> list[str]:
    text = _visible_text(html)
    return sorted(
        name
        for name in _english_names()
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
    )


def test_the_check_finds_an_english_label_and_ignores_markup_and_values():
    html = (
        '<p>Статус: cleared for return</p><select><option value="located">обнаружен(а)</option>'
        "</select><script>const s = 'unknown';</script><span aria-label=\"Cyrillic\"></span>"
    )
    assert _english_labels_in(html) == ["Cyrillic", "cleared for return"]


def _russian_page(response) -> str:
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    assert '<html lang="ru"' in html
    return html


def test_the_person_page_in_russian_shows_no_english_label(staff, login, russian, rich_case):
    url = f"/persons/{rich_case.public_id}/"
    # The same page in English shows these labels: the check below has something to find.
    english = login(staff.caseworker).get(url).content.decode()
    shown = {"Cyrillic", "kunya", "voice message", "doubtful", "located"}
    assert shown <= set(_english_labels_in(english))
    # The history speaks in sentences, naming kinds of records and fields by their names.
    assert "Status changed from verifying to located" in _visible_text(english)
    assert {"note", "placement", "birth date"} <= set(_english_names_in(english))
    html = _russian_page(russian(staff.caseworker).get(url))
    assert _english_labels_in(html) == []
    assert _english_names_in(html) == []
    # The history tells the status change as a sentence, with the statuses in Russian.
    assert "Статус изменён с «проверяется» на «местонахождение известно»" in _visible_text(html)


def test_the_persons_list_and_its_filters_in_russian_show_no_english_label(
    staff, russian, rich_case
):
    html = _russian_page(russian(staff.supervisor).get("/persons/", {"status": "located"}))
    assert rich_case.display_name in html
    assert 'name="status"' in html and 'name="sex"' in html and 'name="ordering"' in html
    assert _english_labels_in(html) == []


def test_the_reports_list_in_russian_shows_no_english_label(staff, russian):
    for channel in ("letter", "phone", "visit", "internet_board", "web_form"):
        ReportFactory(organisation=staff.north, channel=channel)
    html = _russian_page(russian(staff.caseworker).get("/reports/"))
    assert 'name="channel"' in html
    assert _english_labels_in(html) == []


def test_the_flight_page_in_russian_shows_no_english_label(staff, russian):
    flight = FlightFactory(organisation=staff.north, date=timezone.localdate(), status="confirmed")
    actor, supervisor = staff.caseworker, staff.supervisor
    born_2015 = {
        "birth_precision": "year",
        "birth_date": dt.date(2015, 1, 1),
        "birth_earliest": dt.date(2015, 1, 1),
        "birth_latest": dt.date(2015, 12, 31),
    }
    cleared = [
        PersonFactory(
            organisation=staff.north,
            team=staff.team_a,
            status=PersonStatus.CLEARED_FOR_RETURN,
            **born_2015,
        )
        for _ in range(3)
    ]
    entries = [manifest_propose(actor=actor, flight=flight, person=p) for p in cleared]
    manifest_approve(actor=supervisor, entry=entries[0])
    manifest_approve(actor=supervisor, entry=entries[1])
    boarded = manifest_mark_boarded(actor=supervisor, entry=entries[1])
    handover_record(
        actor=supervisor,
        manifest_entry=boarded,
        recipient_kind="child_services",
        recipient_name="Служба опеки",
        recipient_relationship="",
        handed_at=timezone.now(),
        place="Грозный",
        documents="",
    )
    escort_add(actor=actor, flight=flight, escort_name="Testova Luiza")
    assert ManifestEntry.objects.filter(flight=flight).count() == 4
    html = _russian_page(russian(supervisor).get(f"/flights/{flight.public_id}/"))
    assert _english_labels_in(html) == []


def test_the_audit_page_in_russian_shows_no_english_label(staff, russian, rich_case):
    html = _russian_page(russian(staff.dpo).get("/audit/"))
    assert 'name="action"' in html and "audit-event" in html
    assert _english_labels_in(html) == []


def test_a_service_error_in_a_form_speaks_russian(staff, russian, rich_case):
    # The birth is one input now (a date without its precision cannot be typed): a language
    # longer than the service keeps is the service's error to say.
    response = russian(staff.caseworker).post(
        f"/persons/{rich_case.public_id}/edit/",
        {
            "version": rich_case.version,
            "sex": "F",
            "born": "2016",
            "languages": "Ч" * 201,
            "documents_held": "unknown",
        },
    )
    assert response.status_code == 400
    html = _russian_page(response)
    assert "Keep this to at most" not in html
    assert "Сократите текст до 200 знаков (сейчас в нём 201)." in _visible_text(html)
    assert _english_labels_in(html) == []


def test_an_interpolated_service_error_names_the_status_in_russian(staff, russian):
    flight = FlightFactory(organisation=staff.north, date=timezone.localdate())
    person = PersonFactory(organisation=staff.north, team=staff.team_a, status="located")
    entry = ManifestEntry.objects.create(flight=flight, person=person)
    client = russian(staff.supervisor)
    response = client.post(
        f"/flights/{flight.public_id}/manifest/{entry.public_id}/approve/", follow=True
    )
    text = _visible_text(_russian_page(response))
    assert "Статус человека — «местонахождение известно»: вылет не разрешён." in text
    assert _english_labels_in(response.content.decode()) == []


def test_the_pages_with_a_history_in_russian_show_no_english_label_or_name(staff, russian):
    """A report, a flight and a list, each with a history of several kinds of events, and the
    audit trail of it all: no English label of a choice, and no English name of a kind of record
    or of a field."""
    supervisor = staff.supervisor
    report = ReportFactory(organisation=staff.north, reference="MATRIXREP1")
    entry = ReportEntry.objects.create(report=report, position=0, family_name="Testova")
    ReportEntry.objects.create(report=report, position=1, family_name="Testov")
    report_triage_entry(actor=supervisor, entry=entry, create=person_input_from_entry(entry))
    report_set_family_status(
        actor=supervisor, report=report, contact_us=True, reason="Уточнить дату на фото."
    )
    entry.refresh_from_db()
    flight = FlightFactory(organisation=staff.north, reference="NORTH-1", capacity=10)
    flight_update(actor=supervisor, flight=flight, expected_version=flight.version, capacity=12)
    upload = list_import_upload(
        actor=supervisor,
        source="Список лагеря",
        as_of=dt.date(2026, 10, 1),
        filename="list.csv",
        data=(
            b"family_name,given_name,sex,birth_date,age\n"
            b"Testova,Zarema,F,1990,\nTestov,Adam,M,,200\n"
        ),
    )
    list_import = list_import_commit(actor=supervisor, list_import=upload, reject_invalid=True)
    client = russian(supervisor)
    for url in (
        f"/reports/{report.public_id}/",
        f"/flights/{flight.public_id}/",
        f"/imports/{list_import.public_id}/",
        f"/persons/{entry.person.public_id}/",
    ):
        html = _russian_page(client.get(url))
        assert 'id="record-history"' in html or 'id="person-history"' in html, url
        assert _english_labels_in(html) == [], url
        # A name's source is data the triage service writes ("report MATRIXREP1"), not a label:
        # the person page shows it as written (not this work's; see the report of issue 9).
        assert _english_names_in(html.replace("report MATRIXREP1", "")) == [], url
    triage = f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"
    audit = russian(staff.dpo).get("/audit/")
    for html in (_russian_page(client.get(triage)), _russian_page(audit)):
        assert _english_labels_in(html) == []
        assert _english_names_in(html) == []


def test_the_other_staff_pages_in_russian_show_no_english_label(staff, russian, rich_case):
    report = ReportFactory(organisation=staff.north, channel="phone")
    FlightFactory(organisation=staff.north, status="cancelled")
    client = russian(staff.supervisor)
    for url in (
        "/",
        "/flights/",
        "/flights/new/",
        "/imports/",
        "/persons/new/",
        f"/persons/{rich_case.public_id}/edit/",
        f"/reports/{report.public_id}/",
        "/reports/new/",
    ):
        html = _russian_page(client.get(url))
        # "Partner NGO" is the name of the world's partner organisation, not the channel.
        assert _english_labels_in(html.replace("Partner NGO", "")) == [], url
