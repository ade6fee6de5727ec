"""Building the demo database: organisations, users, facilities, flights, then families in chunks.

Everything is drawn from one `random.Random(seed)` (UUIDs included) and dated from fixed dates, so
the same seed and size give the same records. Persons and their satellites are written with
`bulk_create`, one transaction per chunk; the seed's single audit event is written last and is
also the marker that the demo data is complete.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from casework import audit
from casework.audit import AuditAction
from casework.births import birth_range
from casework.demo import bulk, credentials, families, places, texts
from casework.demo import names as nm
from casework.demo.families import AS_OF, Family, Member, random_date, weighted
from casework.models import (
    AuditEvent,
    DetentionLocation,
    FamilyReport,
    Handover,
    LegalProceeding,
    ManifestEntry,
    Membership,
    NameKey,
    Organisation,
    Person,
    PersonMerge,
    PersonName,
    PlaceAlias,
    Placement,
    PopulationReport,
    Relationship,
    RepatriationFlight,
    ReportConsent,
    ReportEntry,
    Role,
    SharedCase,
    SharingAgreement,
    Team,
    User,
)
from casework.services import names as names_service
from casework.services.place_names import place_key

DEMO_ORG_SLUG = "demo-ngo"
SECOND_ORG_SLUG = "demo-second-ngo"
PARTNER_ORG_SLUG = "demo-partner"
SEED_REASON = "seed_demo"
DEFAULT_SEED = 20190323  # the day Baghouz fell
CHUNK = 4000  # persons per transaction (a multiple of 5: one report per five persons)
BATCH = 2000
UTC = dt.UTC

TEAMS = {
    "North Caucasus East": {"Chechnya", "Ingushetia"},
    "Dagestan and the South": {"Dagestan", "Kabardino-Balkaria", "Astrakhan Oblast"},
    "Volga, Urals and Moscow": {"Tatarstan", "Bashkortostan", "Moscow", "Tyumen Oblast"},
}
DEMO_USERS = [
    ("intake", Role.INTAKE),
    ("caseworker", Role.CASEWORKER),
    ("supervisor", Role.SUPERVISOR),
    ("dpo", Role.DPO),
    ("admin", Role.ADMIN),
    ("partner", Role.PARTNER),
]


class AlreadySeeded(Exception):
    def __init__(self, event: AuditEvent):
        super().__init__("The demo data is already there.")
        self.event = event


class IncompleteSeed(Exception):
    pass


def find_seed_event(org: Organisation) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(
            action=AuditAction.IMPORT, reason=SEED_REASON, object_id=org.public_id
        )
        .order_by("id")
        .first()
    )


def existing_seed() -> AuditEvent | None:
    """The seed's event when the demo data is complete; raises IncompleteSeed when half-built."""
    org = Organisation.objects.filter(slug=DEMO_ORG_SLUG).first()
    if org is None:
        return None
    event = find_seed_event(org)
    if event is None:
        raise IncompleteSeed(
            "The demo organisation exists but the seed never finished (it was interrupted). "
            "Use a fresh database: delete the demo SQLite file, or create a new PostgreSQL "
            "database, then seed again."
        )
    return event


@dataclass
class Ctx:
    org: Organisation
    second: Organisation
    partner_org: Organisation
    teams: dict[str, Team]
    second_team: Team
    caseworkers: dict[int, list[User]]  # team id → caseworkers
    supervisor: User
    intake: User
    agreement: SharingAgreement
    locations: dict[str, DetentionLocation]
    flights: list[RepatriationFlight] = field(default_factory=list)
    flight_origin: dict[int, str] = field(default_factory=dict)
    loads: Counter = field(default_factory=Counter)
    references: set[str] = field(default_factory=set)


class Seeder:
    def __init__(self, *, seed: int = DEFAULT_SEED, persons: int = 1500, password: str, log=print):
        if persons < 10:
            raise ValueError("Seed at least 10 persons.")
        self.rng = random.Random(seed)
        self.seed = seed
        self.total = persons
        self.password = password
        self.log = log
        self.counts: Counter = Counter()

    # Helpers drawing from the one generator.
    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self, start: dt.date, end: dt.date) -> dt.datetime:
        day = random_date(self.rng, start, end)
        return dt.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randint(6, 20),
            self.rng.randint(0, 59),
            tzinfo=UTC,
        )

    def run(self) -> dict:
        event = existing_seed()
        if event is not None:
            raise AlreadySeeded(event)
        with transaction.atomic():
            ctx = self._foundation()
            self._flights(ctx)
        remaining = self.total
        chunk_no = 0
        while remaining > 0:
            size = min(CHUNK, remaining)
            with transaction.atomic():
                self._chunk(ctx, size)
            remaining -= size
            chunk_no += 1
            self.log(f"  {self.total - remaining:>7} / {self.total} persons")
        with transaction.atomic():
            self._finish_flights(ctx)
            admin = User.objects.get(username="admin")
            audit.record(
                admin,
                AuditAction.IMPORT,
                ctx.org,
                changes={"seed": self.seed, "persons": self.total, "counts": dict(self.counts)},
                reason=SEED_REASON,
            )
        return dict(self.counts)

    # --- organisations, users, facilities --------------------------------------------------

    def _foundation(self) -> Ctx:
        org = Organisation.objects.create(
            public_id=self.uuid(),
            name="Demo Family Tracing",
            slug=DEMO_ORG_SLUG,
            caseworkers_may_break_glass=True,
            receives_public_reports=True,
        )
        second = Organisation.objects.create(
            public_id=self.uuid(), name="Second Tracing Initiative", slug=SECOND_ORG_SLUG
        )
        partner_org = Organisation.objects.create(
            public_id=self.uuid(),
            name="Demo Partner Organisation",
            slug=PARTNER_ORG_SLUG,
            is_partner_only=True,
        )
        teams = {
            name: Team.objects.create(public_id=self.uuid(), organisation=org, name=name)
            for name in TEAMS
        }
        second_team = Team.objects.create(
            public_id=self.uuid(), organisation=second, name="Istanbul office"
        )
        users = {}
        for username, role in DEMO_USERS:
            users[username] = self._user(
                username, role, partner_org if role == Role.PARTNER else org, self.password
            )
        admin = users["admin"]
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
        first_team = teams["North Caucasus East"]
        Membership.objects.create(public_id=self.uuid(), user=users["caseworker"], team=first_team)
        caseworkers: dict[int, list[User]] = {t.pk: [] for t in teams.values()}
        caseworkers[first_team.pk].append(users["caseworker"])
        for index, team in enumerate(teams.values(), start=1):
            for n in (1, 2):
                colleague = self._user(f"caseworker.t{index}.{n}", Role.CASEWORKER, org, None)
                Membership.objects.create(public_id=self.uuid(), user=colleague, team=team)
                caseworkers[team.pk].append(colleague)
        second_cw = self._user("caseworker.second", Role.CASEWORKER, second, None)
        Membership.objects.create(public_id=self.uuid(), user=second_cw, team=second_team)
        caseworkers[second_team.pk] = [second_cw]
        self._user("supervisor.second", Role.SUPERVISOR, second, None)
        for username, _ in DEMO_USERS:
            credentials.add_totp_device(users[username])

        agreement = SharingAgreement.objects.create(
            public_id=self.uuid(),
            owner=org,
            partner=partner_org,
            title="Demo Family Tracing shares agreed cases with Demo Partner Organisation",
            shared_fields=["display_name", "sex", "birth_year", "status", "region_of_origin"],
            may_submit_reports=True,
            may_submit_list_rows=True,
            valid_from=dt.date(2024, 1, 1),
        )
        locations = {}
        for facility in places.FACILITIES:
            population = facility.population
            locations[facility.name] = DetentionLocation(
                public_id=self.uuid(),
                name=facility.name,
                kind=facility.kind,
                country=facility.country,
                governorate=facility.governorate,
                city=facility.city,
                controlling_authority=facility.authority,
                latitude=Decimal(facility.latitude),
                longitude=Decimal(facility.longitude),
                reported_population=population,
                population_as_of=dt.date(2026, 3, 1) if population else None,
                access_notes=self.rng.choice(places.ACCESS_NOTES),
            )
        DetentionLocation.objects.bulk_create(locations.values())
        self.counts["locations"] = len(locations)
        self._place_records(locations)
        return Ctx(
            org=org,
            second=second,
            partner_org=partner_org,
            teams=teams,
            second_team=second_team,
            caseworkers=caseworkers,
            supervisor=users["supervisor"],
            intake=users["intake"],
            agreement=agreement,
            locations={
                loc.name: loc for loc in DetentionLocation.objects.filter(name__in=list(locations))
            },
        )

    def _place_records(self, locations: dict[str, DetentionLocation]) -> None:
        """Each place's population as sources reported it over time, and its other names. Ids
        from a generator of their own, so that the rest of the demo stays as it was."""
        rng = random.Random(self.seed + 12)

        def uid() -> uuid.UUID:
            return uuid.UUID(int=rng.getrandbits(128), version=4)

        reports, aliases = [], []
        for name, place in locations.items():
            if place.reported_population:
                latest = place.reported_population
                for months, low, high, source in places.POPULATION_HISTORY:
                    reports.append(
                        PopulationReport(
                            public_id=uid(),
                            location=place,
                            as_of=place.population_as_of - dt.timedelta(days=30 * months),
                            low=round(latest * low),
                            high=round(latest * high),
                            source=source,
                        )
                    )
                reports.append(
                    PopulationReport(
                        public_id=uid(),
                        location=place,
                        as_of=place.population_as_of,
                        estimate=latest,
                        source=places.POPULATION_SOURCE,
                    )
                )
            for alias in places.ALIASES.get(name, []):
                aliases.append(
                    PlaceAlias(public_id=uid(), location=place, name=alias, key=place_key(alias))
                )
        PopulationReport.objects.bulk_create(reports)
        PlaceAlias.objects.bulk_create(aliases)
        self.counts["population_reports"] = len(reports)
        self.counts["place_aliases"] = len(aliases)

    def _user(self, username: str, role: str, org: Organisation, password: str | None) -> User:
        user = User(
            public_id=self.uuid(),
            username=username,
            role=role,
            organisation=org,
            email=f"{username}@example.org",
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # a colleague in the data, not a login of the demo
        user.save()
        return user

    # --- flights ---------------------------------------------------------------------------

    def _flights(self, ctx: Ctx) -> None:
        n = max(12, round(self.total * 12 / 1500))
        cancelled = max(1, n // 12)
        future = max(2, n // 6)
        completed = n - cancelled - future
        plan = [
            ("completed", self.rng_date(dt.date(2019, 7, 1), dt.date(2026, 9, 15)))
            for _ in range(completed)
        ]
        plan += [
            ("cancelled", self.rng_date(dt.date(2019, 7, 1), dt.date(2026, 6, 30)))
            for _ in range(cancelled)
        ]
        plan += [
            (
                "confirmed" if i % 2 else "planned",
                self.rng_date(dt.date(2026, 10, 20), dt.date(2027, 6, 30)),
            )
            for i in range(future)
        ]
        plan.sort(key=lambda item: item[1])
        flights = []
        for index, (status, day) in enumerate(plan):
            from_iraq = index % 2 == 0
            flights.append(
                RepatriationFlight(
                    public_id=self.uuid(),
                    organisation=ctx.org,
                    reference=f"RET-{day:%Y%m%d}-{index + 1:03d}",
                    date=day,
                    origin="Baghdad (BGW)" if from_iraq else "Qamishli (KAC)",
                    destination=self.rng.choice(
                        ["Moscow (VKO)", "Grozny (GRV)", "Makhachkala (MCX)"]
                    ),
                    organiser=self.rng.choice(
                        [
                            "Government of the Russian Federation (EMERCOM aircraft)",
                            "Children's rights office of the Chechen Republic",
                            "Demo Family Tracing with the Russian consulate",
                        ]
                    ),
                    capacity=self.rng.randint(60, 200),
                    status=status,
                )
            )
        RepatriationFlight.objects.bulk_create(flights)
        ctx.flights = list(
            RepatriationFlight.objects.filter(organisation=ctx.org).order_by("date", "reference")
        )
        ctx.flight_origin = {
            f.pk: "IQ" if f.origin.startswith("Baghdad") else "SY" for f in ctx.flights
        }
        escorts = []
        for flight in ctx.flights:
            for _ in range(self.rng.randint(2, 4)):
                given = self.rng.choice(nm.WOMEN["north_caucasus"] + nm.MEN["north_caucasus"])
                family = self.rng.choice(nm.SURNAMES["Chechnya"] + nm.SURNAMES["Dagestan"])
                role = self.rng.choice(["doctor", "psychologist", "caseworker", "consular officer"])
                escorts.append(
                    ManifestEntry(
                        public_id=self.uuid(),
                        flight=flight,
                        role="escort",
                        escort_name=f"{nm.latin(given)} {nm.latin(family)} ({role})",
                        status="boarded" if flight.status == "completed" else "proposed",
                        approved_by=ctx.supervisor if flight.status == "completed" else None,
                    )
                )
        ManifestEntry.objects.bulk_create(escorts)
        self.counts["flights"] = len(ctx.flights)

    def rng_date(self, start: dt.date, end: dt.date) -> dt.date:
        return random_date(self.rng, start, end)

    def _finish_flights(self, ctx: Ctx) -> None:
        # A flight's capacity is never below the passengers on it.
        for flight in ctx.flights:
            if ctx.loads[flight.pk] > flight.capacity:
                RepatriationFlight.objects.filter(pk=flight.pk).update(
                    capacity=ctx.loads[flight.pk] + 10
                )

    def _pick_flight(self, ctx: Ctx, statuses: set[str], origin: str, seats: int):
        options = [
            f
            for f in ctx.flights
            if f.status in statuses
            and ctx.flight_origin[f.pk] == origin
            and ctx.loads[f.pk] + seats <= f.capacity
        ]
        if not options:
            return None
        flight = self.rng.choice(options)
        ctx.loads[flight.pk] += seats
        return flight

    # --- families ----------------------------------------------------------------------------

    def _chunk(self, ctx: Ctx, size: int) -> None:
        fams: list[tuple[Family, bool]] = []
        count = 0
        while count < size:
            family = families.make_family(self.rng)
            members = family.members[: size - count]
            family.members = members
            in_second = self.rng.random() < 0.06
            if in_second and family.scenario not in {"reported", "verifying", "camp", "exit"}:
                family.scenario = "camp"
            fams.append((family, in_second))
            count += len(members)
        rows = _Rows()
        rows.second_reports = sum(len(f.members) for f, second in fams if second) // 5
        for family, in_second in fams:
            self._family_persons(ctx, family, in_second, rows)
        bulk.insert(Person, rows.persons, need_ids=True)
        # Duplicates that were merged point at the record they were merged into.
        for dup, original in rows.duplicates:
            dup.merged_into_id = original.pk
        bulk.insert(Person, [dup for dup, _ in rows.duplicates], need_ids=True)
        rows.persons.extend(dup for dup, _ in rows.duplicates)
        for name, person in rows.names:
            name.person_id = person.pk
        bulk.insert(PersonName, [n for n, _ in rows.names])
        for family, in_second in fams:
            self._family_records(ctx, family, in_second, rows)
        for model, objs in rows.satellites().items():
            bulk.insert(model, objs, need_ids=model is ManifestEntry)
            self.counts[model.__name__] += len(objs)
        # The keys read the parents' names too, so they come after the relationships.
        self._name_keys([p.pk for p in rows.persons])
        self.counts["Person"] += len(rows.persons)
        self.counts["PersonName"] += len(rows.names)
        self._reports(
            ctx,
            [f for f, second in fams if not second],
            size // 5 - rows.second_reports,
            ctx.org,
            rows,
        )
        second_fams = [f for f, second in fams if second]
        if second_fams:
            self._reports(ctx, second_fams, rows.second_reports, ctx.second, rows)

    def _name_keys(self, person_ids: list[int]) -> None:
        keys: list[tuple[int, str, str]] = []
        for start in range(0, len(person_ids), BATCH):
            batch = person_ids[start : start + BATCH]
            parents = names_service.parents_of(batch)
            persons = Person.objects.filter(pk__in=batch).prefetch_related("names").order_by("pk")
            for person in persons:
                found = names_service.name_keys_for(person, parents.get(person.pk, {}))
                keys.extend((person.pk, key[:80], kind[:12]) for key, kind in sorted(found))
        write_name_keys(keys)
        self.counts["NameKey"] += len(keys)

    def _family_persons(self, ctx: Ctx, family: Family, in_second: bool, rows: _Rows) -> None:
        rng = self.rng
        org = ctx.second if in_second else ctx.org
        if in_second:
            team = ctx.second_team
        else:
            team = next(ctx.teams[n] for n, regions in TEAMS.items() if family.region in regions)
        if family.scenario == "reported" and rng.random() < 0.4:
            team = None  # not yet given to a team
        protected = not in_second and rng.random() < 0.03
        assigned = None
        if team is not None and family.scenario != "reported" and rng.random() < 0.75:
            assigned = rng.choice(ctx.caseworkers[team.pk])
        self._statuses(family)
        family.persons = []
        for member in family.members:
            earliest, latest = birth_range(
                member.birth_precision, member.birth_date, member.age_stated, member.age_stated_on
            )
            is_adult = member.role != "child"
            person = Person(
                public_id=self.uuid(),
                organisation=org,
                team=team,
                assigned_to=assigned,
                display_name=member.names[0].text()[:300],
                sex=member.sex,
                birth_date=member.birth_date,
                birth_precision=member.birth_precision,
                age_stated=member.age_stated,
                age_stated_on=member.age_stated_on,
                birth_earliest=earliest,
                birth_latest=latest,
                birthplace=member.birthplace,
                citizenship="Russian Federation"
                if is_adult
                else rng.choice(
                    ["Russian Federation (by descent, not documented)", "", "Russian Federation"]
                ),
                region_of_origin=family.region,
                languages=member.languages,
                documents_held=self._documents(member),
                vulnerabilities=self._vulnerabilities(member),
                status=member.status,
                status_changed_at=None
                if member.status == "reported"
                else self.moment(dt.date(2019, 6, 1), AS_OF),
            )
            if protected and member.role == "mother":
                person.sensitivity = "protected"
                person.security_notes = rng.choice(texts.SECURITY_NOTES)
                person.assigned_to = (
                    rng.choice([ctx.supervisor, *ctx.caseworkers[team.pk]])
                    if team
                    else ctx.supervisor
                )
            rows.persons.append(person)
            family.persons.append(person)
            for index, name in enumerate(member.names):
                rows.names.append(
                    (
                        PersonName(
                            public_id=self.uuid(),
                            family_name=name.family_name,
                            given_name=name.given_name,
                            patronymic=name.patronymic,
                            full_text=name.full_text,
                            script=name.script,
                            kind=name.kind,
                            source=name.source,
                            is_primary=index == 0,
                        ),
                        person,
                    )
                )
        # Some children were also entered from a camp list, then found to be the same child.
        family.duplicates = []
        for member, person in zip(family.members, family.persons, strict=True):
            if member.role == "child" and not member.alias_only and rng.random() < 0.03:
                latin = next((n for n in member.names if n.script == "latn"), None)
                if latin is None:
                    continue
                dup = Person(
                    public_id=self.uuid(),
                    organisation=org,
                    team=team,
                    display_name=latin.text()[:300],
                    sex=member.sex,
                    birth_precision="unknown",
                    status="closed_duplicate",
                    status_changed_at=self.moment(dt.date(2020, 1, 1), AS_OF),
                    region_of_origin=family.region,
                )
                rows.duplicates.append((dup, person))
                family.duplicates.append((dup, person))
                rows.names.append(
                    (
                        PersonName(
                            public_id=self.uuid(),
                            family_name=latin.family_name,
                            given_name=latin.given_name,
                            script="latn",
                            kind="translit",
                            source="camp administration list",
                            is_primary=True,
                        ),
                        dup,
                    )
                )

    def _statuses(self, family: Family) -> None:
        rng = self.rng
        scenario = family.scenario
        mother, children = family.mother, family.children
        simple = {
            "reported": "reported",
            "verifying": "verifying",
            "cleared": "cleared_for_return",
            "on_manifest": "on_manifest",
        }
        if scenario in simple:
            status = simple[scenario]
            mother.status = status
            for child in children:
                child.status = status
        elif scenario == "camp":
            mother.status = rng.choice(["located", "located", "identity_confirmed"])
            for child in children:
                child.status = mother.status
        elif scenario == "returned":
            mother.status = "returned"
            for child in children:
                child.status = "reunited" if rng.random() < 0.6 else "returned"
        elif scenario == "iraq_prison":
            mother.status = rng.choice(["located", "identity_confirmed"])
            outcome = weighted(
                rng, [("reunited", 40), ("returned", 20), ("on_manifest", 20), ("located", 20)]
            )
            for child in children:
                child.status = outcome
        else:  # exit
            mother.status = weighted(
                rng, [("not_traceable", 50), ("deceased", 25), ("closed_other", 25)]
            )
            for child in children:
                if mother.status == "deceased":
                    child.status = rng.choice(["located", "identity_confirmed", "verifying"])
                else:
                    child.status = mother.status
        for member in family.members:
            if member.role == "father":
                member.status = weighted(
                    rng, [("deceased", 45), ("located", 30), ("not_traceable", 25)]
                )
            elif member.role == "grandmother":
                member.status = (
                    mother.status
                    if mother.status
                    in {"reported", "verifying", "located", "identity_confirmed", "not_traceable"}
                    else "located"
                )

    def _documents(self, member: Member) -> str:
        if member.status in {"returned", "reunited"}:
            return "national"
        if member.role == "child":
            return weighted(self.rng, [("armed_group", 35), ("none", 45), ("unknown", 20)])
        return weighted(
            self.rng, [("national", 30), ("none", 30), ("armed_group", 10), ("unknown", 30)]
        )

    def _vulnerabilities(self, member: Member) -> list[str]:
        found = [v for v in texts.VULNERABILITIES[1:] if self.rng.random() < 0.06]
        if member.role == "child" and self.rng.random() < 0.05:
            found.insert(0, "unaccompanied minor")
        return found

    # --- what happened to each family: relatives, places, proceedings, flights ---------------

    def _family_records(self, ctx: Ctx, family: Family, in_second: bool, rows: _Rows) -> None:
        rng = self.rng
        members = list(zip(family.members, family.persons, strict=True))
        mother = family.persons[0]
        kids = [(m, p) for m, p in members if m.role == "child"]
        source = rng.choice(["family report", "mother's statement", "DNA test", "camp register"])
        for _, child in kids:
            rows.add(
                Relationship(
                    public_id=self.uuid(),
                    from_person=mother,
                    to_person=child,
                    kind="mother",
                    source=source,
                    confidence=rng.choice(["confirmed", "probable"]),
                )
            )
        for i, (_, a) in enumerate(kids):
            for _, b in kids[i + 1 :]:
                rows.add(
                    Relationship(
                        public_id=self.uuid(),
                        from_person=a,
                        to_person=b,
                        kind="sibling",
                        source="family report",
                        confidence="probable",
                    )
                )
        for member, person in members:
            if member.role == "father":
                rows.add(
                    Relationship(
                        public_id=self.uuid(),
                        from_person=person,
                        to_person=mother,
                        kind="spouse",
                        source="family report",
                        confidence="probable",
                    )
                )
                for _, child in kids:
                    rows.add(
                        Relationship(
                            public_id=self.uuid(),
                            from_person=person,
                            to_person=child,
                            kind="father",
                            source="family report",
                            confidence=rng.choice(["probable", "possible"]),
                        )
                    )
            if member.role == "grandmother":
                rows.add(
                    Relationship(
                        public_id=self.uuid(),
                        from_person=person,
                        to_person=mother,
                        kind="mother",
                        source="family report",
                        confidence="confirmed",
                    )
                )
                for _, child in kids:
                    rows.add(
                        Relationship(
                            public_id=self.uuid(),
                            from_person=person,
                            to_person=child,
                            kind="grandparent",
                            source="family report",
                            confidence="probable",
                        )
                    )
        for dup, original in family.duplicates:
            rows.add(
                PersonMerge(
                    public_id=self.uuid(),
                    survivor=original,
                    absorbed=dup,
                    performed_by=ctx.supervisor,
                    reason="Same child: the camp list's name is a transliteration "
                    "of the legal name; the mother confirmed it.",
                    moved={"names": 1},
                )
            )
        if not in_second and rng.random() < 0.04:
            for _, person in members:
                rows.add(SharedCase(agreement=ctx.agreement, person=person))

        self._places(ctx, family, members, rows)
        self._travel(ctx, family, members, rows)

    def _camp(self) -> str:
        return weighted(
            self.rng,
            [
                ("al-Hol camp", 50),
                ("al-Hol camp, annex for foreign families", 20),
                ("Roj camp", 20),
                ("Areesha camp", 4),
                ("Newroz camp", 3),
                ("Atmeh camp", 3),
            ],
        )

    def _place(
        self,
        ctx,
        person,
        location,
        start,
        rows,
        *,
        end=None,
        sighting=False,
        reliability=None,
        source=None,
        precision=None,
        note=None,
    ):
        rows.add(
            Placement(
                public_id=self.uuid(),
                person=person,
                location=ctx.locations[location],
                is_sighting=sighting,
                start_date=start,
                start_precision=precision or self.rng.choice(["exact", "exact", "month"]),
                end_date=end,
                source=source or self.rng.choice(["authority_list", "visit", "partner", "letter"]),
                reliability=reliability or self.rng.choice(["confirmed", "probable"]),
                notes=note if note is not None else self.rng.choice(texts.SIGHTING_NOTES),
            )
        )

    def _places(self, ctx: Ctx, family: Family, members, rows: _Rows) -> None:
        rng = self.rng
        camp = self._camp()
        family.place = camp
        camp_start = self.rng_date(dt.date(2019, 3, 5), dt.date(2019, 6, 30))
        for member, person in members:
            status = member.status
            if member.role == "father":
                if status == "located":
                    prison = rng.choice(
                        [
                            "Ghwayran (al-Sina'a) prison",
                            "Alaya prison",
                            "Derik detention centre",
                            "Nasiriyah central prison",
                        ]
                    )
                    self._place(
                        ctx,
                        person,
                        prison,
                        self.rng_date(dt.date(2019, 3, 20), dt.date(2020, 12, 31)),
                        rows,
                    )
                continue
            if family.scenario == "iraq_prison":
                start = self.rng_date(dt.date(2017, 7, 10), dt.date(2018, 12, 31))
                if member.role == "mother":
                    prison = rng.choice(
                        [
                            "al-Rusafa women's prison",
                            "al-Kadhimiya prison",
                            "Tel Keif prison",
                            "Erbil women's and children's reformatory",
                        ]
                    )
                    family.place = prison
                    self._place(
                        ctx,
                        person,
                        "Tasfirat detention facility",
                        start,
                        rows,
                        end=start + dt.timedelta(days=rng.randint(20, 120)),
                    )
                    self._place(
                        ctx,
                        person,
                        prison,
                        start + dt.timedelta(days=rng.randint(121, 200)),
                        rows,
                        reliability="confirmed",
                    )
                    self._proceeding(person, "IQ", start, rows)
                else:
                    home = rng.choice(
                        ["Baghdad state orphanage for young children", "Nineveh state orphanage"]
                    )
                    self._place(
                        ctx,
                        person,
                        home,
                        start + dt.timedelta(days=rng.randint(0, 150)),
                        rows,
                        reliability="confirmed",
                    )
                continue
            if status in {"reported"}:
                continue
            if status == "verifying" or status in {"not_traceable", "closed_other"}:
                if rng.random() < 0.6:
                    self._place(
                        ctx,
                        person,
                        camp,
                        random_date(rng, camp_start, AS_OF),
                        rows,
                        sighting=True,
                        reliability=rng.choice(["unconfirmed", "doubtful"]),
                        source=rng.choice(["voice_message", "family_report", "letter"]),
                    )
                continue
            if status == "deceased":
                continue
            if family.mother.status == "deceased" and member.role == "child":
                home = rng.choice(["Houry rehabilitation centre", "Orkesh rehabilitation centre"])
                self._place(ctx, person, home, camp_start, rows, reliability="confirmed")
                continue
            self._place(ctx, person, camp, camp_start, rows)
            if member.role == "mother" and status == "returned" and rng.random() < 0.25:
                self._proceeding(person, "RU", dt.date(2020, 1, 1), rows)

    def _proceeding(self, person: Person, country: str, after: dt.date, rows: _Rows) -> None:
        rng = self.rng
        charge = rng.choice([c for c, where in texts.CHARGES if where == country])
        status = weighted(
            rng,
            [
                ("sentenced", 55),
                ("appeal", 15),
                ("trial", 15),
                ("investigation", 10),
                ("acquitted", 5),
            ],
        )
        rows.add(
            LegalProceeding(
                public_id=self.uuid(),
                person=person,
                country=country,
                charge=charge,
                court=rng.choice(texts.COURTS[country]),
                status=status,
                sentence=rng.choice(texts.SENTENCES) if status in {"sentenced", "appeal"} else "",
                started_on=self.rng_date(after, min(after + dt.timedelta(days=500), AS_OF)),
            )
        )

    def _travel(self, ctx: Ctx, family: Family, members, rows: _Rows) -> None:
        """Manifests and handovers for the family members whose status says they flew."""
        rng = self.rng
        origin = "IQ" if family.scenario == "iraq_prison" else "SY"
        flying = [
            (m, p)
            for m, p in members
            if m.status in {"on_manifest", "returned", "reunited"} and m.role != "father"
        ]
        if not flying:
            return
        done = flying[0][0].status in {"returned", "reunited"}
        statuses = {"completed"} if done else {"planned", "confirmed"}
        flight = self._pick_flight(ctx, statuses, origin, len(flying))
        if flight is None:  # no seat left: they wait, cleared for return
            for member, person in flying:
                member.status = person.status = "cleared_for_return"
                Person.objects.filter(pk=person.pk).update(status="cleared_for_return")
            return
        for member, person in flying:
            entry_status = (
                "boarded" if done else ("approved" if flight.status == "confirmed" else "proposed")
            )
            note = ""
            if done and member.role == "child" and rng.random() < 0.04:
                entry_status, note = "not_boarded", "In hospital on the day of the flight."
            entry = ManifestEntry(
                public_id=self.uuid(),
                flight=flight,
                role="passenger",
                person=person,
                status=entry_status,
                note=note,
                approved_by=None if entry_status in {"proposed", "not_boarded"} else ctx.supervisor,
            )
            rows.add(entry)
            if entry_status == "not_boarded":
                member.status = person.status = "cleared_for_return"
                Person.objects.filter(pk=person.pk).update(status="cleared_for_return")
                continue
            if done and member.role == "child":
                rows.add(self._handover(family, member, entry, flight, ctx))
            if done:
                last = rows.last_placement(person)
                if last is not None and last.end_date is None and last.start_date <= flight.date:
                    last.end_date = flight.date

    def _handover(self, family, member, entry, flight, ctx) -> Handover:
        rng = self.rng
        handed_at = dt.datetime(
            flight.date.year,
            flight.date.month,
            flight.date.day,
            rng.randint(10, 22),
            rng.choice([0, 15, 30, 45]),
            tzinfo=UTC,
        )
        documents = rng.choice(
            [
                "Certificate of return issued by the consulate; DNA test result; medical record.",
                "Birth certificate (Russian Federation, issued after a DNA test); medical record.",
                "Temporary travel document; court decision on guardianship.",
            ]
        )
        if member.status == "reunited":
            relationship = rng.choice(["grandmother", "grandmother", "aunt", "grandfather"])
            name, _ = families.reporter_name(rng, family, relationship)
            return Handover(
                public_id=self.uuid(),
                manifest_entry=entry,
                recipient_kind="relative",
                recipient_name=name,
                recipient_relationship=relationship,
                handed_at=handed_at,
                place=flight.destination,
                documents=documents,
                recorded_by=ctx.supervisor,
            )
        return Handover(
            public_id=self.uuid(),
            manifest_entry=entry,
            recipient_kind="child_services",
            recipient_name=places.CHILD_SERVICES[family.region],
            handed_at=handed_at,
            place=flight.destination,
            documents=documents,
            recorded_by=ctx.supervisor,
        )

    # --- family reports ---------------------------------------------------------------------

    def _reports(
        self, ctx: Ctx, fams: list[Family], count: int, org: Organisation, rows: _Rows
    ) -> None:
        rng = self.rng
        reports, entries, consents = [], [], []
        known = rng.sample(fams, k=min(len(fams), int(count * 0.85)))
        plan = [(f, True) for f in known]
        while len(plan) < count:
            plan.append((families.make_family(rng), False))
        for family, exists in plan:
            report, report_entries, report_consents = self._report(ctx, org, family, exists)
            reports.append(report)
            entries.append(report_entries)
            consents.append(report_consents)
        bulk.insert(FamilyReport, reports, need_ids=True)
        flat_entries, flat_consents = [], []
        for report, report_entries, report_consents in zip(reports, entries, consents, strict=True):
            for entry in report_entries:
                entry.report_id = report.pk
                flat_entries.append(entry)
            for consent in report_consents:
                consent.report_id = report.pk
                flat_consents.append(consent)
        bulk.insert(ReportEntry, flat_entries)
        bulk.insert(ReportConsent, flat_consents)
        self.counts["FamilyReport"] += len(reports)
        self.counts["ReportEntry"] += len(flat_entries)
        self.counts["ReportConsent"] += len(flat_consents)

    def _reference(self, ctx: Ctx) -> str:
        alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
        while True:
            code = "".join(self.rng.choice(alphabet) for _ in range(8))
            reference = f"R{code[:4]}-{code[4:]}"
            if reference not in ctx.references:
                ctx.references.add(reference)
                return reference

    def _report(self, ctx: Ctx, org: Organisation, family: Family, exists: bool):
        rng = self.rng
        english = rng.random() < 0.25
        template = rng.randrange(5)
        relationship = {
            0: "mother",
            1: "sister",
            2: "grandmother (father's side)",
            3: "mother",
            4: rng.choice(["father", "aunt", "brother"]),
        }[template]
        cyr, lat = families.reporter_name(rng, family, relationship.split(" ")[0])
        status = weighted(
            rng,
            [("triaged", 55), ("in_triage", 8), ("new", 33), ("spam", 4)]
            if exists
            else [("new", 85), ("in_triage", 10), ("spam", 5)],
        )
        if status == "new" or not exists:
            received = self.moment(dt.date(2026, 6, 1), dt.date(2026, 9, 30))
        else:
            received = self.moment(dt.date(2019, 4, 1), dt.date(2026, 5, 31))
        channel = weighted(
            rng,
            [
                ("web_form", 35),
                ("letter", 15),
                ("phone", 20),
                ("visit", 15),
                ("internet_board", 5),
                ("partner", 10),
            ],
        )
        mother = family.mother
        described = [mother] + family.children
        if template == 2 and family.children:
            described = [mother, family.children[0]]
        months = texts.EN_MONTHS if english else texts.RU_MONTHS
        place = family.place or self._camp()

        def shown(member: Member) -> str:
            text = member.names[0].text()
            return nm.latin(text) if english else text

        child_names = ", ".join(shown(c) for c in family.children) or (
            "no children known" if english else "детей нет"
        )
        first_child = family.children[0] if family.children else mother
        account = (texts.ACCOUNTS_EN if english else texts.ACCOUNTS_RU)[template].format(
            mother=shown(mother),
            children=child_names,
            left_year=family.left_year,
            month=rng.choice(months),
            year=rng.randint(2019, 2025),
            place=place,
            grandchild=shown(first_child),
            born_month=f"{months[first_child.true_birth.month - 1]} {first_child.true_birth.year}",
        )
        if status == "spam":
            account = (
                "Work in Turkey, high salary, write to me directly!"
                if english
                else "Работа в Турции, высокая зарплата, пишите в личку!"
            )
        contact = (
            f"+7 000 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
            if rng.random() < 0.6
            else f"{nm.simple(lat).replace(' ', '.')}{rng.randint(1, 99)}@example.org"
        )
        report = FamilyReport(
            public_id=self.uuid(),
            organisation=org,
            channel=channel,
            received_at=received,
            reporter_name=lat if english else cyr,
            reporter_relationship=relationship,
            reporter_contact=contact,
            reporter_region=family.region,
            reporter_language="en" if english else rng.choice(["ru", "ru", "ru", "ce"]),
            account=account,
            status=status,
            reference=self._reference(ctx),
            entered_by=ctx.intake if channel in {"letter", "phone", "visit"} else None,
            source_partner=ctx.partner_org if channel == "partner" else None,
        )
        entries = []
        if status == "spam":
            entries.append(
                ReportEntry(
                    public_id=self.uuid(),
                    position=0,
                    full_name="Работа в Турции",
                    outcome="not_a_person",
                )
            )
        else:
            person_of = {id(m): p for m, p in zip(family.members, family.persons, strict=False)}
            for position, member in enumerate(described):
                person = person_of.get(id(member)) if exists else None
                entries.append(
                    self._entry(ctx, report, position, member, person, english, relationship, place)
                )
        consents = [ReportConsent(purpose="process", given=rng.random() < 0.97)]
        consents.append(ReportConsent(purpose="contact", given=rng.random() < 0.85))
        if rng.random() < 0.5:
            consents.append(
                ReportConsent(
                    purpose="share_partner", partner=ctx.partner_org, given=rng.random() < 0.7
                )
            )
        if rng.random() < 0.6:
            consents.append(ReportConsent(purpose="share_authority", given=rng.random() < 0.3))
        for consent in consents:
            # Derived from the report's id, not drawn: the same on every run, and the random
            # stream (everything seeded after) unchanged.
            consent.public_id = uuid.uuid5(report.public_id, f"consent:{consent.purpose}")
        return report, entries, consents

    def _entry(self, ctx, report, position, member, person, english, relationship, place):
        rng = self.rng
        legal = member.names[0]
        known_as = legal
        if english:
            known_as = families.Name(
                nm.latin(legal.family_name),
                nm.latin(legal.given_name),
                "",
                nm.latin(legal.full_text),
            )
        precision = weighted(rng, [("exact", 40), ("year", 30), ("age", 20), ("unknown", 10)])
        birth_date, age = None, None
        born = member.true_birth
        if precision == "exact":
            birth_date = born
        elif precision == "year":
            birth_date = born.replace(month=1, day=1)
        elif precision == "age":
            age = max(0, (report.received_at.date() - born).days // 365)
        outcome, triaged_by, triaged_at = "pending", None, None
        if person is not None and (
            report.status == "triaged" or (report.status == "in_triage" and rng.random() < 0.5)
        ):
            outcome = "created" if rng.random() < 0.7 else "linked"
            triaged_by = ctx.intake
            triaged_at = report.received_at + dt.timedelta(days=rng.randint(1, 20))
        else:
            person = None
        if member.role == "mother":
            kin = {
                "mother": "daughter",
                "sister": "sister",
                "father": "daughter",
                "brother": "sister",
                "aunt": "niece",
            }.get(relationship, "daughter-in-law")
        else:
            son = member.sex == "M"
            kin = "grandson" if son else "granddaughter"
            if relationship in {"sister", "brother"}:
                kin = "nephew" if son else "niece"
        aliases = ", ".join(n.text() for n in member.names if n.kind in {"alias", "kunya"})
        return ReportEntry(
            public_id=self.uuid(),
            position=position,
            family_name=known_as.family_name,
            given_name=known_as.given_name,
            patronymic=known_as.patronymic,
            full_name=known_as.full_text,
            aliases=aliases[:300],
            sex=member.sex,
            birth_date=birth_date,
            birth_precision=precision,
            age_stated=age,
            birthplace=member.birthplace if rng.random() < 0.5 else "",
            relationship_to_reporter=kin,
            last_known_place=place,
            description=rng.choice(
                texts.ENTRY_DESCRIPTIONS_EN if english else texts.ENTRY_DESCRIPTIONS_RU
            ),
            person=person,
            outcome=outcome,
            triaged_by=triaged_by,
            triaged_at=triaged_at,
        )


def write_name_keys(keys: list[tuple[int, str, str]]) -> None:
    """Twenty-odd keys a person: on PostgreSQL they go in by COPY, many times faster than INSERT."""
    if connection.vendor != "postgresql":
        NameKey.objects.bulk_create(
            [NameKey(person_id=p, key=k, kind=kind) for p, k, kind in keys], batch_size=BATCH * 2
        )
        return
    table = connection.ops.quote_name(NameKey._meta.db_table)
    statement = f"COPY {table} (person_id, key, kind) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in keys:
            copy.write_row(row)


class _Rows:
    """The records of one chunk, grouped by model in the order they must be written."""

    def __init__(self):
        self.persons: list[Person] = []
        self.names: list[tuple[PersonName, Person]] = []
        self.duplicates: list[tuple[Person, Person]] = []
        self.second_reports = 0
        self._by_model: dict[type, list] = {}
        self._placements: dict[int, Placement] = {}

    def add(self, obj) -> None:
        self._by_model.setdefault(type(obj), []).append(obj)
        if isinstance(obj, Placement):
            self._placements[obj.person.pk] = obj

    def last_placement(self, person: Person) -> Placement | None:
        return self._placements.get(person.pk)

    def satellites(self) -> dict[type, list]:
        order = [
            Relationship,
            PersonMerge,
            SharedCase,
            Placement,
            LegalProceeding,
            ManifestEntry,
            Handover,
        ]
        return {model: self._by_model.get(model, []) for model in order}
