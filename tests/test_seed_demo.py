"""`manage.py seed_demo`: invented, deterministic, complete enough to demonstrate every area."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import models
from casework.demo import names as demo_names
from casework.models import PersonStatus, Role

PASSWORD = "demo password for the tests 7"

# Well-known real people of the region and the conflict, written here independently of the
# generator's own list: none of them may appear in the demo data.
REAL_PEOPLE = {
    "ramzan kadyrov",
    "akhmad kadyrov",
    "shamil basayev",
    "dzhokhar dudayev",
    "aslan maskhadov",
    "doku umarov",
    "khabib nurmagomedov",
    "islam makhachev",
    "ruslan aushev",
    "abu bakr al-baghdadi",
    "abu omar al-shishani",
    "abu muhammad al-adnani",
    "abu musab al-zarqawi",
    "adam delimkhanov",
    "said buryatsky",
    "ruslan gelayev",
}
REAL_SURNAMES = {"kadyrov", "kadyrova", "basayev", "basaev", "maskhadov", "dudayev", "dudaev"}


def seed(persons=None):
    out = StringIO()
    args = ["seed_demo"] + ([f"--persons={persons}"] if persons else [])
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_password(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    return PASSWORD


def snapshot() -> dict:
    """What "the same database" means: counts, and the content of persons, names and reports."""
    counts = {
        model.__name__: model.objects.count()
        for model in (
            models.Organisation,
            models.Team,
            models.User,
            models.Person,
            models.PersonName,
            models.NameKey,
            models.Relationship,
            models.FamilyReport,
            models.ReportEntry,
            models.ReportConsent,
            models.DetentionLocation,
            models.Placement,
            models.LegalProceeding,
            models.RepatriationFlight,
            models.ManifestEntry,
            models.Handover,
            models.SharedCase,
        )
    }
    persons = list(
        models.Person.objects.order_by("public_id").values_list(
            "public_id", "display_name", "status", "birth_earliest", "birth_latest", "team__name"
        )
    )
    names = hashlib.sha256(
        repr(
            list(
                models.PersonName.objects.order_by("public_id").values_list(
                    "public_id", "family_name", "given_name", "full_text", "script", "kind"
                )
            )
        ).encode()
    ).hexdigest()
    keys = hashlib.sha256(
        repr(
            sorted(models.NameKey.objects.values_list("person__public_id", "key", "kind"))
        ).encode()
    ).hexdigest()
    reports = list(
        models.FamilyReport.objects.order_by("public_id").values_list(
            "public_id", "reference", "reporter_name", "account", "received_at", "status"
        )
    )
    # Every other seeded table by its public ids and main values, hashed: a record whose id or
    # content is drawn outside the seeded random stream makes two runs differ here.
    others = {
        model.__name__: hashlib.sha256(
            repr(list(model.objects.order_by("public_id").values_list(*fields))).encode()
        ).hexdigest()
        for model, fields in (
            (models.ReportConsent, ("public_id", "report__public_id", "purpose", "given")),
            (models.ReportEntry, ("public_id", "report__public_id", "position", "outcome")),
            (models.Placement, ("public_id", "person__public_id", "start_date", "source")),
            (models.Relationship, ("public_id", "from_person__public_id", "kind")),
            (models.LegalProceeding, ("public_id", "person__public_id", "status")),
            (models.RepatriationFlight, ("public_id", "reference", "date", "capacity")),
            (models.ManifestEntry, ("public_id", "flight__public_id", "status")),
            (models.Handover, ("public_id", "manifest_entry__public_id", "recipient_kind")),
            (models.DetentionLocation, ("public_id", "name", "country")),
        )
    }
    return {
        "counts": counts,
        "persons": persons,
        "names": names,
        "keys": keys,
        "reports": reports,
        "others": others,
    }


@pytest.mark.django_db
def test_it_meets_the_minima_at_the_default_size(demo_password):
    seed()
    demo = models.Organisation.objects.get(slug="demo-ngo")
    persons = models.Person.objects.all()
    assert persons.count() >= 1500
    assert set(persons.values_list("status", flat=True)) == set(PersonStatus.values)
    assert set(persons.values_list("birth_precision", flat=True)) == {
        "exact",
        "month",
        "year",
        "age",
        "unknown",
    }
    assert persons.filter(sensitivity="protected").exists()
    assert persons.filter(birthplace__startswith="Raqqa").exists()
    assert persons.filter(birthplace__startswith="Mosul").exists()
    assert {"Chechnya", "Dagestan", "Ingushetia", "Tatarstan", "Moscow"} <= set(
        persons.values_list("region_of_origin", flat=True)
    )
    assert persons.filter(assigned_to__isnull=False).exists()
    assert persons.filter(birth_precision="exact", birth_earliest__isnull=True).count() == 0
    assert not persons.filter(birth_precision="age", birth_latest__isnull=True).exists()

    names = models.PersonName.objects.all()
    assert set(names.values_list("script", flat=True)) >= {"cyrl", "latn", "arab"}
    assert set(names.values_list("kind", flat=True)) >= {"legal", "translit", "alias", "kunya"}
    assert names.filter(full_text__startswith="Умм ").exists()
    assert names.filter(full_text__contains=" ибн Абу ").exists()
    assert models.NameKey.objects.count() > persons.count()
    kinds = set(models.Relationship.objects.values_list("kind", flat=True))
    assert {"mother", "father", "sibling", "grandparent", "spouse"} <= kinds

    reports = models.FamilyReport.objects.all()
    assert reports.count() >= 300
    assert reports.filter(status="new").count() >= 50
    assert len(set(reports.values_list("channel", flat=True))) >= 5
    assert set(reports.values_list("reporter_language", flat=True)) >= {"ru", "en"}
    assert reports.filter(account__contains="дочь").exists()
    assert reports.filter(account__contains="daughter").exists()
    assert models.ReportEntry.objects.filter(outcome__in=["linked", "created"]).exists()
    assert models.ReportEntry.objects.filter(outcome="pending").exists()
    assert {"process", "contact", "share_partner", "share_authority"} == set(
        models.ReportConsent.objects.values_list("purpose", flat=True)
    )

    locations = models.DetentionLocation.objects.all()
    assert locations.count() >= 25
    assert set(locations.values_list("country", flat=True)) == {"IQ", "SY"}
    assert {"camp", "prison", "orphanage", "hospital"} <= set(
        locations.values_list("kind", flat=True)
    )
    assert models.Placement.objects.filter(is_sighting=True).exists()
    assert len(set(models.Placement.objects.values_list("reliability", flat=True))) >= 3
    assert models.LegalProceeding.objects.exists()

    assert models.RepatriationFlight.objects.count() >= 10
    assert set(models.ManifestEntry.objects.values_list("status", flat=True)) == {
        "proposed",
        "approved",
        "boarded",
        "not_boarded",
    }
    assert models.ManifestEntry.objects.filter(role="escort").exists()
    assert set(models.Handover.objects.values_list("recipient_kind", flat=True)) == {
        "relative",
        "child_services",
    }

    assert demo.teams.count() in (2, 3)
    assert models.Organisation.objects.exclude(slug__in=["demo-ngo", "demo-partner"]).exists()
    partner = models.Organisation.objects.get(slug="demo-partner")
    assert partner.is_partner_only
    agreement = models.SharingAgreement.objects.get(owner=demo, partner=partner)
    assert agreement.shared_cases.exists()

    events = models.AuditEvent.objects.all()
    assert events.count() == 1
    event = events.get()
    assert (event.action, event.reason) == ("import", "seed_demo")


@pytest.mark.django_db
def test_every_person_has_exactly_one_primary_name(demo_password):
    seed(persons=300)
    assert not models.Person.objects.exclude(names__is_primary=True).exists()
    primaries = models.PersonName.objects.filter(is_primary=True).count()
    assert primaries == models.Person.objects.count()


@pytest.mark.django_db
def test_a_second_run_changes_nothing(demo_password):
    seed(persons=400)
    before = snapshot()
    output = seed(persons=400)
    assert "nothing was changed" in output
    assert snapshot() == before
    assert models.AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_data_on_an_empty_database(demo_password):
    with transaction.atomic():
        seed(persons=300)
        first = snapshot()
        transaction.set_rollback(True)
    assert not models.Person.objects.exists()
    seed(persons=300)
    assert snapshot() == first
    assert len(first["persons"]) >= 300


@pytest.mark.django_db
def test_it_refuses_other_values_on_a_seeded_database(demo_password):
    seed(persons=200)
    with pytest.raises(CommandError, match="already holds demo data"):
        seed(persons=300)
    assert models.Person.objects.filter(organisation__slug="demo-ngo").count() < 300


@pytest.mark.django_db
def test_no_seeded_name_is_a_well_known_real_person(demo_password):
    seed()
    texts = set()
    for name in models.PersonName.objects.all():
        text = name.as_text()
        texts.add(text)
        texts.add(f"{name.given_name} {name.family_name}")
    texts |= set(models.FamilyReport.objects.values_list("reporter_name", flat=True))
    texts |= set(models.ManifestEntry.objects.values_list("escort_name", flat=True))
    texts |= set(models.Handover.objects.values_list("recipient_name", flat=True))
    simple = {demo_names.simple(t) for t in texts if t}
    assert not simple & {demo_names.simple(p) for p in REAL_PEOPLE}
    for text in simple:
        words = text.split()
        assert not (len(words) == 2 and " ".join(reversed(words)) in REAL_PEOPLE), text
    family_names = {
        demo_names.simple(demo_names.latin(n))
        for n in models.PersonName.objects.values_list("family_name", flat=True)
    }
    assert not family_names & REAL_SURNAMES


@pytest.mark.django_db
def test_demo_users_have_their_roles_and_a_confirmed_totp_device(demo_password):
    output = seed(persons=100)
    expected = {
        "intake": Role.INTAKE,
        "caseworker": Role.CASEWORKER,
        "supervisor": Role.SUPERVISOR,
        "dpo": Role.DPO,
        "admin": Role.ADMIN,
        "partner": Role.PARTNER,
    }
    for username, role in expected.items():
        user = models.User.objects.get(username=username)
        assert user.role == role
        assert user.check_password(PASSWORD)
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        secret = base32_secret(device)
        line = next(line for line in output.splitlines() if line.split()[:1] == [username])
        if role == Role.PARTNER:
            # A partner system signs in with a token: the demo says how to issue one.
            assert "issue_partner_token partner" in line and PASSWORD not in line
            # As printed it runs: with the demo's settings (no secret key of its own otherwise).
            assert "CASEWORK_DEMO=1 " in line
            continue
        assert secret in line and "otpauth://totp/" in line and PASSWORD in line
    admin = models.User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert models.User.objects.get(username="partner").organisation.slug == "demo-partner"
    assert models.User.objects.get(username="caseworker").teams.exists()


@pytest.mark.django_db
def test_without_demo_password_it_generates_one_and_prints_it(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = seed(persons=100)
    line = next(line for line in output.splitlines() if line.split()[:1] == ["supervisor"])
    password = line.split()[2]
    assert len(password) >= 12
    assert models.User.objects.get(username="supervisor").check_password(password)


def base32_secret(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def test_demo_serve_refuses_to_run_outside_the_demo(settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="CASEWORK_DEMO=1"):
        call_command("demo_serve", "--no-serve", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_demo_serve_seeds_once_and_fills_the_review_queue(settings, tmp_path, monkeypatch):
    settings.DEMO = True
    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    out = StringIO()
    call_command("demo_serve", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text
    assert "http://127.0.0.1:8000/report/" in text  # the families' form, no login
    assert "possible duplicates for the review queue" in text
    assert models.Organisation.objects.get(receives_public_reports=True).slug == "demo-ngo"
    pending = models.MatchSuggestion.objects.filter(decision="pending")
    assert pending.exists()
    assert all(0 <= s.probability <= 1 and s.explanation for s in pending)
    # A second start seeds nothing and suggests nothing new.
    before = (models.Person.objects.count(), pending.count())
    call_command("demo_serve", "--no-serve", stdout=StringIO())
    assert (models.Person.objects.count(), pending.count()) == before


@pytest.mark.django_db
def test_demo_serve_leaves_static_files_to_whitenoise(settings, monkeypatch):
    # runserver's own static view (--insecure) answered 500 to /static/..%2f; WhiteNoise, as in
    # production, answers 404.
    from casework.management.commands import demo_serve

    settings.DEMO = True
    calls = []
    monkeypatch.setattr(demo_serve, "existing_seed", lambda: object())
    monkeypatch.setattr(
        demo_serve, "call_command", lambda name, *args, **kwargs: calls.append((name, kwargs))
    )
    call_command("demo_serve", stdout=StringIO())
    runserver = [kwargs for name, kwargs in calls if name == "runserver"]
    assert runserver == [{"use_reloader": False}]


@pytest.mark.django_db
def test_demo_serve_runs_a_task_worker_beside_the_server_and_stops_it(settings, monkeypatch):
    from casework.management.commands import demo_serve

    settings.DEMO = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    events = []

    class Worker:
        def __init__(self, args, env):
            events.append(("started", args[-1]))

        def poll(self):
            return None

        def terminate(self):
            events.append(("stopped", None))

        def wait(self, timeout=None):
            return 0

    def fake_call_command(name, *args, **kwargs):
        if name == "runserver":
            events.append(("serving", None))
            raise KeyboardInterrupt  # Ctrl-C ends the demo

    monkeypatch.setattr(demo_serve, "existing_seed", lambda: object())
    monkeypatch.setattr(demo_serve, "call_command", fake_call_command)
    monkeypatch.setattr(demo_serve.subprocess, "Popen", Worker)
    with pytest.raises(KeyboardInterrupt):
        call_command("demo_serve", stdout=StringIO())
    assert events == [("started", "db_worker"), ("serving", None), ("stopped", None)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/static/../", "/static/..%2f", "/static/..%2fmanage.py", "/static/%2e%2e/settings.py"]
)
def test_the_demo_answers_a_path_out_of_static_with_404(client, path):
    # The demo serves static files as production does (WhiteNoise, no runserver --insecure view):
    # a path climbing out of the static folder is simply not found, never a server error.
    response = client.get(path)
    assert response.status_code == 404
    assert b"DJANGO_SECRET_KEY" not in response.content
