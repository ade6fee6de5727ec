"""Django admin: superusers behind the second factor see every model; nobody else sees any.

Audit events (and the other records only the application writes) are read-only there; a change
made there is audited and keeps a person's derived fields and name keys in step.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from casework import models
from tests.conftest import verified_client
from tests.factories import (
    FlightFactory,
    LocationFactory,
    PersonFactory,
    ReportFactory,
    UserFactory,
)

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)
# What the admin only shows: written by the application alone (or, for attachments, by the
# upload service that makes a file safe to keep).
READ_ONLY = {
    models.AgreementFeedState,
    models.AuditEvent,
    models.AuditEventSubject,
    models.IdempotencyRecord,
    models.ChangeOutbox,
    models.NameKey,
    models.PersonMerge,
    models.ReportAttachment,
    models.ReportFollowUp,
    models.SharedCase,
    # Case data: changed only through the services (who may, the workflow, derived fields).
    models.CaseNote,
    models.CaseTask,
    models.LegalProceeding,
    models.FamilyReport,
    models.Handover,
    models.ListImport,
    models.ListImportRow,
    models.ManifestEntry,
    models.MatchSuggestion,
    models.SuggestionOpinion,
    models.BackgroundJob,
    models.Person,
    models.PersonName,
    models.Placement,
    models.PlaceAlias,
    models.PlaceName,
    models.PopulationReport,
    models.Relationship,
    models.RepatriationFlight,
    models.ReportConsent,
    models.ReportEntry,
}
# Not added here, but changed (revoked): issued by `manage.py issue_partner_token`.
NOT_ADDED = READ_ONLY | {models.PartnerToken}


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def root(db):
    return UserFactory(username="root", organisation=None, is_superuser=True, is_staff=True)


@pytest.fixture
def everything(world, root):
    """One row of each casework model, so that every list and change page shows something."""
    north, person = world.north, world.case_a
    flight = FlightFactory(organisation=north)
    entry = models.ManifestEntry.objects.create(flight=flight, person=person)
    models.Handover.objects.create(
        manifest_entry=entry,
        recipient_kind="relative",
        recipient_name="Testova Khadizhat",
        recipient_relationship="grandmother",
        handed_at=timezone.now(),
    )
    location = LocationFactory()
    models.Placement.objects.create(
        person=person,
        location=location,
        start_date=dt.date(2020, 5, 1),
        source="letter",
        reliability="probable",
    )
    models.LegalProceeding.objects.create(
        person=person, country="IQ", charge="Illegal entry", status="trial"
    )
    models.PopulationReport.objects.create(
        location=location, as_of=dt.date(2024, 1, 1), estimate=100, source="ICRC"
    )
    models.PlaceAlias.objects.create(location=location, name="Тестовый лагерь", key="tistufi")
    models.PlaceName.objects.create(organisation=north, name="Testovo camp", key="tistufu")
    report = ReportFactory(organisation=north)
    report_entry = models.ReportEntry.objects.create(
        report=report, position=1, given_name="Testova Madina"
    )
    models.ReportConsent.objects.create(report=report, purpose="process", given=True)
    models.ReportAttachment.objects.create(
        report=report,
        kind="photo",
        file="attachments/2026/01/test.jpg",
        content_type="image/jpeg",
        size=1024,
        sha256="0" * 64,
    )
    list_import = models.ListImport.objects.create(
        organisation=north, source="Camp administration", sha256="1" * 64
    )
    row = models.ListImportRow.objects.create(
        list_import=list_import, row_number=1, data={"name": "Testova"}, outcome="ambiguous"
    )
    low, high = sorted([world.case_a, world.case_b], key=lambda p: p.pk)
    for fields in (
        {"kind": "person_person", "person": low, "other_person": high},
        {"kind": "row_person", "person": person, "list_row": row},
        {"kind": "entry_person", "person": person, "report_entry": report_entry},
    ):
        suggestion = models.MatchSuggestion.objects.create(
            organisation=north, probability=0.7, **fields
        )
    models.SuggestionOpinion.objects.create(
        suggestion=suggestion, partner=world.partner_org, opinion="same", given_by=world.partner
    )
    absorbed = PersonFactory(organisation=north, merged_into=world.case_b)
    models.PersonMerge.objects.create(
        survivor=world.case_b, absorbed=absorbed, performed_by=world.supervisor, reason="Same."
    )
    models.CaseNote.objects.create(person=person, author=world.caseworker, text="Called back.")
    models.CaseTask.objects.create(person=person, title="Call the family")
    models.NameKey.objects.create(person=person, key="alv", kind="sur")
    models.Relationship.objects.create(from_person=world.case_b, to_person=person, kind="mother")
    models.BreakGlassGrant.objects.create(
        user=world.caseworker,
        person=world.protected_a,
        reason="The family is at the border crossing now.",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    models.PartnerToken.objects.create(
        user=world.partner,
        name="Partner system",
        prefix="abc123",
        key_hash="0" * 64,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    models.IdempotencyRecord.objects.create(
        user=world.partner,
        key="key-1",
        method="POST",
        path="/api/v1/reports/",
        body_sha256="0" * 64,
        status_code=201,
        response_body={},
    )
    models.ChangeOutbox.objects.create(
        partner=world.partner_org, person_public_id=world.case_b.public_id, kind="unshared"
    )
    models.BackgroundJob.objects.create(
        kind="find_duplicates",
        action="decide_match",
        organisation=north,
        requested_by=world.supervisor,
    )
    event = models.AuditEvent.objects.create(action="login", actor_label="caseworker")
    models.AuditEventSubject.objects.create(event=event, person_id=person.public_id)
    return world


def test_every_casework_model_is_registered():
    missing = sorted(
        m.__name__
        for m in apps.get_app_config("casework").get_models()
        if m not in admin.site._registry
    )
    assert not missing, f"casework models missing from the admin: {missing}"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_a_superuser_opens_the_list_the_add_page_and_a_record(everything, root, model):
    client = verified_client(root)
    listing = client.get(_url(model, "changelist"))
    assert listing.status_code == 200
    assert client.get(_url(model, "changelist"), {"q": "Testova"}).status_code == 200
    add = client.get(_url(model, "add"))
    if model._meta.app_label == "casework":
        addable = model not in NOT_ADDED
    else:  # another app's model (devices, login attempts, groups): as that app decides
        addable = admin.site._registry[model].has_add_permission(_request(root))
    assert add.status_code == (200 if addable else 403)
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        assert client.get(_url(model, "change", obj.pk)).status_code == 200


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_only_the_records_the_application_alone_writes_are_read_only(root):
    request = _request(root)
    read_only = {
        model
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "casework"
        and not model_admin.has_change_permission(request)
        and not model_admin.has_add_permission(request)
        and not model_admin.has_delete_permission(request)
    }
    assert read_only == READ_ONLY


@pytest.mark.parametrize(
    "staff",
    ["admin_role", "with_every_permission"],
)
def test_staff_who_are_not_superusers_see_nothing(everything, staff):
    user = UserFactory(
        username=f"staff-{staff}",
        organisation=everything.north,
        role=models.Role.ADMIN,
        is_staff=True,
    )
    if staff == "with_every_permission":
        user.user_permissions.set(Permission.objects.all())
    client = verified_client(user)
    index = client.get("/admin/")
    assert index.status_code == 302
    assert index["Location"].startswith(reverse("admin:login"))
    for model in REGISTERED:
        for response in (
            client.get(_url(model, "changelist")),
            client.get(_url(model, "add")),
        ):
            assert response.status_code == 302, model
            assert response["Location"].startswith(reverse("admin:login"))
    deleted = client.post(_url(models.Person, "delete", everything.case_a.pk), {"post": "yes"})
    assert deleted["Location"].startswith(reverse("admin:login"))
    assert models.Person.objects.filter(pk=everything.case_a.pk).exists()


def test_a_superuser_cannot_change_or_delete_an_audit_event(world, root):
    event = models.AuditEvent.objects.create(action="login", actor_label="caseworker")
    client = verified_client(root)
    # The change page shows the event without a form to save it.
    change = _url(models.AuditEvent, "change", event.pk)
    delete = _url(models.AuditEvent, "delete", event.pk)
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(change, {"action": "x"}).status_code == 403
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(_url(models.AuditEvent, "add")).status_code == 403
    client.post(
        _url(models.AuditEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    event.refresh_from_db()
    assert event.action == "login"


def test_a_superuser_cannot_add_or_change_a_person_around_the_services(world, root):
    client = verified_client(root)
    person = world.case_b
    before = (person.status, person.sensitivity, person.organisation_id, person.version)
    url = _url(models.Person, "change", person.pk)
    assert client.get(url).status_code == 200  # shown, and the read is on the trail
    data = {
        "organisation": world.south.pk,
        "sex": person.sex,
        "birth_precision": person.birth_precision,
        "documents_held": person.documents_held,
        "sensitivity": "protected",
        "status": "reunited",
        "languages": "[]",
        "vulnerabilities": "[]",
    }
    assert client.post(url, data).status_code == 403
    assert client.post(_url(models.Person, "add"), data).status_code == 403
    assert client.post(_url(models.Person, "delete", person.pk), {"post": "yes"}).status_code == 403
    person.refresh_from_db()
    assert (person.status, person.sensitivity, person.organisation_id, person.version) == before
    assert not models.AuditEvent.objects.filter(
        actor=root, action__in=["create", "update", "delete"]
    ).exists()


def _as_stored(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize(
    ("model", "post"),
    [
        (models.CaseTask, {"title": "Changed here", "due_on": "2026-12-31"}),
        (models.LegalProceeding, {"country": "SY", "charge": "Changed here", "status": "closed"}),
    ],
    ids=["task", "legal proceeding"],
)
def test_a_superuser_cannot_add_change_or_delete_tasks_or_proceedings_here(
    everything, root, model, post
):
    client = verified_client(root)
    obj = model.objects.get()
    before = _as_stored(obj)
    data = {"person": everything.case_a.pk, **post}
    change = _url(model, "change", obj.pk)
    assert b'name="_save"' not in client.get(change).content
    assert client.post(change, data).status_code == 403
    assert client.post(_url(model, "add"), data).status_code == 403
    assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    client.post(
        _url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert list(model.objects.all()) == [obj]
    obj.refresh_from_db()
    assert _as_stored(obj) == before
    assert not models.AuditEvent.objects.filter(
        actor=root, action__in=["create", "update", "delete"]
    ).exists()


def test_a_public_id_finds_the_person_and_their_records(everything, root):
    client = verified_client(root)
    person = everything.case_a
    found = client.get(_url(models.Person, "changelist"), {"q": str(person.public_id)})
    assert list(found.context["cl"].result_list) == [person]
    placements = client.get(_url(models.Placement, "changelist"), {"q": str(person.public_id)})
    assert [p.person_id for p in placements.context["cl"].result_list] == [person.pk]


def test_an_account_added_here_belongs_to_an_organisation(world, root):
    client = verified_client(root)
    data = {
        "username": "new-caseworker",
        "usable_password": "true",
        "password1": "a long enough test password 93",
        "password2": "a long enough test password 93",
        "role": "caseworker",
    }
    refused = client.post(_url(models.User, "add"), data)
    assert refused.status_code == 200
    assert "organisation" in refused.context["adminform"].form.errors
    assert not models.User.objects.filter(username="new-caseworker").exists()
    added = client.post(_url(models.User, "add"), {**data, "organisation": world.north.pk})
    assert added.status_code == 302
    user = models.User.objects.get(username="new-caseworker")
    assert (user.organisation, user.role, user.is_superuser) == (world.north, "caseworker", False)
    assert models.AuditEvent.objects.filter(
        actor=root, action="create", object_id=user.public_id
    ).exists()


def test_a_superuser_reading_case_records_here_is_on_the_audit_trail(everything, root):
    client = verified_client(root)
    person = everything.case_a
    assert client.get(_url(models.Person, "change", person.pk)).status_code == 200
    opened = models.AuditEvent.objects.get(actor=root, object_id=person.public_id)
    assert opened.action == "read_restricted"  # the form shows the security notes
    assert "security_notes" in opened.fields and opened.changes == {"via": "admin"}

    assert (
        client.get(_url(models.Person, "changelist"), {"q": str(person.public_id)}).status_code
        == 200
    )
    listed = models.AuditEvent.objects.filter(actor=root, action="read_sensitive").latest("at")
    assert listed.changes["model"] == "Person"
    assert listed.changes["records"] == [str(person.public_id)]


def test_reading_reference_data_here_is_no_event(world, root):
    client = verified_client(root)
    assert client.get(_url(models.Organisation, "change", world.north.pk)).status_code == 200
    assert client.get(_url(models.Organisation, "changelist")).status_code == 200
    assert not models.AuditEvent.objects.filter(actor=root, action__startswith="read").exists()


# --- Accounts: no second-factor key is ever shown, a password set here ends sessions -------------


def _device_for(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_a_superuser_never_sees_a_users_second_factor_key(world, root):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = _device_for(world.caseworker)
    codes = StaticDevice.objects.create(user=world.caseworker, name="backup", confirmed=True)
    StaticToken.objects.create(device=codes, token="recov3rycode")
    client = verified_client(root)
    for model, obj in ((TOTPDevice, device), (StaticDevice, codes)):
        for page in (_url(model, "change", obj.pk), _url(model, "changelist")):
            html = client.get(page).content.decode()
            assert device.key not in html and "recov3rycode" not in html
            assert "qrcode" not in html.lower()
        # Nobody sets a user's key here (that would let them log in as the user).
        assert client.get(_url(model, "add")).status_code == 403
        assert client.post(_url(model, "change", obj.pk), {"key": "00" * 20}).status_code == 403
    # A lost phone: the device is deleted, on the trail.
    response = client.post(_url(TOTPDevice, "delete", device.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert models.AuditEvent.objects.filter(action="delete", actor=root).exists()


def test_a_password_set_here_is_audited_and_ends_the_users_sessions(world, root):
    victim = world.caseworker
    session_client = verified_client(victim)
    assert session_client.get("/").status_code == 200
    epoch = victim.session_epoch
    client = verified_client(root)
    new = "a-new-long-passphrase-7"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[victim.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.check_password(new)
    assert victim.session_epoch == epoch + 1
    events = models.AuditEvent.objects.filter(actor=root, object_id=victim.public_id)
    assert {"update", "session_ended"} <= set(events.values_list("action", flat=True))
    # The session the user had is over.
    assert session_client.get("/").status_code == 302


def test_a_weak_password_set_here_is_refused_and_changes_nothing(world, root):
    victim = world.caseworker
    before = victim.password
    client = verified_client(root)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[victim.pk]),
        {"password1": "password", "password2": "password", "usable_password": "true"},
    )
    assert response.status_code == 200
    victim.refresh_from_db()
    assert victim.password == before
