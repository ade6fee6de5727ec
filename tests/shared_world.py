"""The personas' world, built once per test process and committed, handed to each test as fresh
instances.

Organisation "north" has teams A and B; "south" is another tenant; "partner-ngo" is a partner
organisation with a sharing agreement covering one of north's cases; "stranger-ngo" is a partner
with no agreement.

Most of the suite asks for this world, and building it (four organisations, nine accounts, four
persons, an agreement) for every test was a large part of the suite's time. So a test that runs in
its own rolled-back transaction finds it already committed, and gets its own Python objects loaded
by natural key (slug, username, name; never by primary key, which a rebuild changes): whatever the
test writes rolls back, and whatever it changes on its objects dies with them. The rows'
timestamps (created, updated, shared, joined) are moved forward in the test's transaction to end
when the test asks for the world, keeping their order and spacing, as if it had just been built
(the partner feed's settle time, for one, counts on that).

The committed world is present only for those tests. `prepare_database_for(item)` runs before each
test's fixtures: it builds the world for a rolled-back test that asks for it, and removes it before
any other test that uses the database, so those see the database exactly as they did before (many
assume it empty, or create organisations with the same slugs). Tests on a transactional database
(live server, browser, threads) build their own world, which the flush at their end removes.
`group_world_tests` orders the tests so that each process builds and removes it about once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from casework import models as domain
from casework.models import Role

# Natural keys of the world: (attribute, name, slug, partner only).
ORGANISATIONS = (
    ("north", "North Tracing", "north", False),
    ("south", "South Tracing", "south", False),
    ("partner_org", "Partner NGO", "partner-ngo", True),
    ("stranger_org", "Stranger NGO", "stranger-ngo", True),
)
# (attribute, north's team name).
TEAMS = (("team_a", "A"), ("team_b", "B"))
# (attribute, username, organisation, role, teams).
USERS = (
    ("caseworker", "caseworker", "north", Role.CASEWORKER, ("team_a",)),
    ("other_team_caseworker", "other_team_caseworker", "north", Role.CASEWORKER, ("team_b",)),
    ("intake", "intake", "north", Role.INTAKE, ()),
    ("supervisor", "supervisor", "north", Role.SUPERVISOR, ()),
    ("dpo", "dpo", "north", Role.DPO, ()),
    ("admin", "admin", "north", Role.ADMIN, ()),
    ("partner", "partner", "partner_org", Role.PARTNER, ()),
    ("partner_without_agreement", "partner_without_agreement", "stranger_org", Role.PARTNER, ()),
    ("south_supervisor", "south_supervisor", "south", Role.SUPERVISOR, ()),
)
# (attribute, display name, organisation, team, assigned to, sensitivity or None for the default).
PERSONS = (
    ("case_a", "Alieva Madina", "north", "team_a", None, None),
    ("case_b", "Bekova Zaira", "north", "team_b", None, None),
    ("protected_a", "Protected Aminat", "north", "team_a", "supervisor", "protected"),
    ("south_case", "Southova Kheda", "south", None, None, None),
)
AGREEMENT_TITLE = "North shares with Partner NGO"


@dataclass
class World:
    north: domain.Organisation
    south: domain.Organisation
    partner_org: domain.Organisation
    stranger_org: domain.Organisation
    team_a: domain.Team
    team_b: domain.Team
    caseworker: domain.User
    other_team_caseworker: domain.User
    intake: domain.User
    supervisor: domain.User
    dpo: domain.User
    admin: domain.User
    partner: domain.User
    partner_without_agreement: domain.User
    south_supervisor: domain.User
    # Persons: one case of team A, one of team B, one protected case of team A assigned to the
    # supervisor, one of the other organisation, one shared with the partner.
    case_a: domain.Person
    case_b: domain.Person
    protected_a: domain.Person
    south_case: domain.Person
    agreement: domain.SharingAgreement

    def personas(self) -> dict[str, domain.User | None]:
        return {
            "caseworker": self.caseworker,
            "other_team_caseworker": self.other_team_caseworker,
            "intake": self.intake,
            "supervisor": self.supervisor,
            "dpo": self.dpo,
            "admin": self.admin,
            "partner": self.partner,
            "partner_without_agreement": self.partner_without_agreement,
            "anonymous": None,
        }


def build_world() -> World:
    """The world written with the factories, in whatever transaction the caller is in."""
    from tests.factories import OrganisationFactory, PersonFactory, TeamFactory, UserFactory

    built = {}
    for attr, name, slug, partner_only in ORGANISATIONS:
        built[attr] = OrganisationFactory(name=name, slug=slug, is_partner_only=partner_only)
    for attr, name in TEAMS:
        built[attr] = TeamFactory(organisation=built["north"], name=name)
    for attr, username, organisation, role, teams in USERS:
        built[attr] = UserFactory(
            username=username,
            organisation=built[organisation],
            role=role,
            teams=[built[team] for team in teams],
        )
    for attr, display_name, organisation, team, assigned_to, sensitivity in PERSONS:
        extra = {"sensitivity": sensitivity} if sensitivity else {}
        built[attr] = PersonFactory(
            organisation=built[organisation],
            team=built[team] if team else None,
            assigned_to=built[assigned_to] if assigned_to else None,
            display_name=display_name,
            **extra,
        )
    built["agreement"] = domain.SharingAgreement.objects.create(
        owner=built["north"],
        partner=built["partner_org"],
        title=AGREEMENT_TITLE,
        shared_fields=["display_name", "sex", "status"],
        may_submit_reports=True,
        may_submit_list_rows=True,
        valid_from=dt.date(2025, 1, 1),
    )
    domain.SharedCase.objects.create(agreement=built["agreement"], person=built["case_a"])
    return World(**built)


def world_for_test() -> World:
    """The committed world when it is there (see `prepare_database_for`), its timestamps made
    fresh; else one built now, in the caller's transaction."""
    if _present():
        _as_if_built_now()
        return load_world()
    return build_world()


def load_world() -> World:
    """Fresh instances of the committed world. Each record's relations point at the world's own
    instances, as the factories left them."""
    organisations = {
        o.slug: o
        for o in domain.Organisation._base_manager.filter(slug__in=[o[2] for o in ORGANISATIONS])
    }
    loaded = {attr: organisations[slug] for attr, _name, slug, _partner in ORGANISATIONS}
    teams = {
        t.name: t
        for t in domain.Team._base_manager.filter(
            organisation=loaded["north"], name__in=[name for _attr, name in TEAMS]
        )
    }
    for attr, name in TEAMS:
        teams[name].organisation = loaded["north"]
        loaded[attr] = teams[name]
    users = {u.username: u for u in domain.User._base_manager.filter(username__in=_usernames())}
    for attr, username, organisation, _role, _teams in USERS:
        users[username].organisation = loaded[organisation]
        loaded[attr] = users[username]
    persons = {
        p.display_name: p
        for p in domain.Person._base_manager.filter(
            display_name__in=[p[1] for p in PERSONS],
            organisation__in=[loaded["north"], loaded["south"]],
        )
    }
    for attr, display_name, organisation, team, assigned_to, _sensitivity in PERSONS:
        person = persons[display_name]
        person.organisation = loaded[organisation]
        if team:
            person.team = loaded[team]
        if assigned_to:
            person.assigned_to = loaded[assigned_to]
        loaded[attr] = person
    agreement = domain.SharingAgreement._base_manager.get(
        owner=loaded["north"], partner=loaded["partner_org"], title=AGREEMENT_TITLE
    )
    agreement.owner, agreement.partner = loaded["north"], loaded["partner_org"]
    loaded["agreement"] = agreement
    return World(**loaded)


def _usernames() -> list[str]:
    return [u[1] for u in USERS]


# --- The committed copy -------------------------------------------------------------------------


class _Committed:
    """Where the committed world stands in this process's test database."""

    # pytest-django's blocker, once the test database exists (None before and after).
    blocker = None
    # Per table, (row count, highest primary key) before the world was built: what removing it
    # goes back to. None when the world in the database was not built by this process.
    marks: dict[type[models.Model], tuple[int, object]] | None = None
    # Per table the world wrote to, its timestamp fields and the world's rows; and when the build
    # ended.
    stamped: dict[type[models.Model], tuple[list[str], list]] = {}
    built_at = None


def database_ready(blocker) -> None:
    """The test database exists: from now on the world may be committed to it. A database kept
    from an earlier run (--reuse-db) may still hold that run's world: it goes first."""
    _Committed.blocker = blocker
    with blocker.unblock():
        _remove()


def database_closing() -> None:
    with _Committed.blocker.unblock():
        _remove()
    _Committed.blocker = None


def prepare_database_for(item) -> None:
    """Before `item`'s fixtures: the world committed if it is a rolled-back test that asks for
    it, else absent. Tests that do not use the database are left alone, and so is the first test
    of a process (the database does not exist yet, and a new one is empty)."""
    usage = database_usage(item)
    if usage is None or _Committed.blocker is None:
        return
    with _Committed.blocker.unblock():
        if usage == "rolled back" and "world" in item.fixturenames:
            _commit()
        else:
            _remove()


def database_usage(item) -> str | None:
    """How pytest-django runs `item`: in a transaction it rolls back ("rolled back"), on a
    database it flushes afterwards ("transactional"), or without the database (None)."""
    from django.test import TestCase, TransactionTestCase
    from pytest_django.plugin import validate_django_db

    test_class = getattr(item, "cls", None)
    if test_class is not None and issubclass(test_class, TransactionTestCase):
        return "rolled back" if issubclass(test_class, TestCase) else "transactional"
    marker = item.get_closest_marker("django_db")
    transactional = False
    if marker is not None:
        transaction_, reset_sequences, *_rest = validate_django_db(marker)
        transactional = transaction_ or reset_sequences
    fixtures = getattr(item, "fixturenames", ())
    if transactional or "transactional_db" in fixtures or "live_server" in fixtures:
        return "transactional"
    if marker is not None or "db" in fixtures:
        return "rolled back"
    return None


def group_world_tests(items: list) -> None:
    """Within each run of rolled-back tests (in the order pytest-django and the browser tests
    left them), those that do not ask for the world first, then those that do: each process (each
    takes its tests in this order) builds the world once and removes it once, before its first
    transactional test."""
    grouped, run = [], []
    for item in items:
        if run and database_usage(item) != database_usage(run[-1]):
            grouped += _world_last(run)
            run = []
        run.append(item)
    grouped += _world_last(run)
    items[:] = grouped


def _world_last(run: list) -> list:
    if not run or database_usage(run[0]) != "rolled back":
        return run
    return [i for i in run if "world" not in i.fixturenames] + [
        i for i in run if "world" in i.fixturenames
    ]


def _present() -> bool:
    return domain.Organisation._base_manager.filter(slug=ORGANISATIONS[0][2]).exists()


def _commit() -> None:
    if _present():
        return
    marks = _table_marks()
    with transaction.atomic():
        build_world()
    _Committed.built_at = timezone.now()
    _Committed.marks = marks
    _Committed.stamped = {}
    for model, (_count, highest) in marks.items():
        fields = [f.name for f in model._meta.concrete_fields if _stamped_when_saved(f)]
        if fields and _is_integer_key(model):
            rows = model._base_manager.filter(pk__gt=highest or 0)
            if pks := list(rows.values_list("pk", flat=True)):
                _Committed.stamped[model] = (fields, pks)


def _stamped_when_saved(field) -> bool:
    return isinstance(field, models.DateTimeField) and (
        getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
        or field.default is timezone.now
    )


def _as_if_built_now() -> None:
    """Moves the committed world's timestamps (in the test's transaction) to end now."""
    if _Committed.built_at is None:
        return
    shift = timezone.now() - _Committed.built_at
    for model, (fields, pks) in _Committed.stamped.items():
        model._base_manager.filter(pk__in=pks).update(**{f: F(f) + shift for f in fields})


def _remove() -> None:
    """Takes the committed world away: every row added since the marks taken before building it."""
    if not _present():
        _Committed.marks, _Committed.stamped, _Committed.built_at = None, {}, None
        return
    if _Committed.marks is None:
        # A world this process did not build (a database kept from an interrupted run): emptied
        # the way pytest-django empties the database after a transactional test.
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
        return
    marks, _Committed.marks = _Committed.marks, None
    _Committed.stamped, _Committed.built_at = {}, None
    now = _table_marks(list(marks))
    grown = [(m, highest) for m, (_n, highest) in marks.items() if now[m] != marks[m]]
    quote = connection.ops.quote_name
    # Foreign keys are checked at commit (Django declares them deferrable, initially deferred), so
    # the tables empty in any order.
    with transaction.atomic(), connection.cursor() as cursor:
        for model, highest in grown:
            if not _is_integer_key(model):
                continue  # reported below: only rows added after a mark can be taken away
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            # Names from the models' own metadata: nothing from outside.
            cursor.execute(f"DELETE FROM {table} WHERE {pk} > %s", [highest or 0])  # noqa: S608
    after = _table_marks(list(marks))
    changed = sorted(m._meta.db_table for m in marks if after[m] != marks[m])
    if changed:
        raise RuntimeError(f"The shared world could not be removed from: {changed}")


def _tables() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _is_integer_key(model) -> bool:
    # Big and small auto fields count as AutoField too (Django's AutoFieldMeta).
    return isinstance(model._meta.pk, models.AutoField)


def _table_marks(tables=None) -> dict[type[models.Model], tuple[int, object]]:
    marks = {}
    for model in tables or _tables():
        manager = model._base_manager
        highest = manager.aggregate(m=models.Max("pk"))["m"] if _is_integer_key(model) else None
        marks[model] = (manager.count(), highest)
    return marks
