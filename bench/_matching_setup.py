"""Shared by the intake and import benchmarks: Django on the benchmark database, the acting
users, synthetic persons when the database has too few, and perturbed names.

Invented names only: random combinations of common name parts, never a real person's record.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from casework.matching.normalise import to_latin  # noqa: E402
from casework.models import NameKey, Organisation, Person, PersonName, Role, User  # noqa: E402

SURNAMES = [
    "Тагиров",
    "Хасиев",
    "Магомедов",
    "Алиев",
    "Абдуллаев",
    "Гаджиев",
    "Ибрагимов",
    "Исмаилов",
    "Омаров",
    "Рамазанов",
    "Юсупов",
    "Курбанов",
    "Сулейманов",
    "Багаутдинов",
    "Шамилев",
    "Кадыров",
    "Дудаев",
    "Мусаев",
    "Умаров",
    "Эльмурзаев",
    "Ахмадов",
    "Гайсанов",
    "Вахаев",
    "Закаев",
    "Идрисов",
    "Муртазалиев",
    "Нурмагомедов",
    "Салманов",
    "Темирханов",
    "Хамзатов",
    "Цечоев",
    "Чергизбиев",
    "Шахбанов",
    "Эдильсултанов",
    "Янгулбаев",
    "Арсанукаев",
    "Бексултанов",
    "Висаитов",
    "Гериханов",
    "Далгатов",
    "Ежиев",
    "Жамалдаев",
    "Зубайраев",
    "Исаев",
    "Кантемиров",
    "Лорсанов",
    "Мацаев",
    "Нальгиев",
    "Оздоев",
    "Пашаев",
]
MALE = [
    "Билал",
    "Магомед",
    "Адам",
    "Ибрагим",
    "Умар",
    "Хамзат",
    "Ислам",
    "Ахмед",
    "Юсуф",
    "Абдулла",
    "Муса",
    "Иса",
    "Али",
    "Хасан",
    "Хусейн",
    "Рамзан",
    "Шамиль",
    "Мурад",
    "Рустам",
    "Тимур",
    "Саид",
    "Салман",
    "Зелимхан",
    "Мансур",
    "Идрис",
    "Яхья",
    "Ильяс",
]
FEMALE = [
    "Зарема",
    "Хава",
    "Амина",
    "Марьям",
    "Фатима",
    "Хадижат",
    "Зайнаб",
    "Айшат",
    "Патимат",
    "Седа",
    "Мадина",
    "Луиза",
    "Малика",
    "Раиса",
    "Рукият",
    "Асият",
    "Камила",
    "Залина",
    "Лейла",
    "Милана",
    "Хеда",
    "Эльза",
    "Джамиля",
    "Сафия",
    "Зулейха",
]


def actors():
    """A supervisor and a caseworker of the organisation with the most persons."""
    org = Organisation.objects.annotate(n=Count("persons")).order_by(
        "-n"
    ).first() or Organisation.objects.create(name="Bench Tracing", slug="bench")
    supervisor = User.objects.filter(organisation=org, role=Role.SUPERVISOR, is_active=True).first()
    if supervisor is None:
        supervisor = User.objects.create_user(
            "bench_supervisor", organisation=org, role=Role.SUPERVISOR
        )
    caseworker = User.objects.filter(organisation=org, role=Role.CASEWORKER, is_active=True).first()
    if caseworker is None:
        caseworker = User.objects.create_user(
            "bench_caseworker", organisation=org, role=Role.CASEWORKER
        )
    return org, supervisor, caseworker


def ensure_persons(org, total: int, rng: random.Random) -> None:
    """Bulk-create synthetic persons with names and NameKeys until the organisation has `total`."""
    from casework.services.names import keys_of_records, records_for

    have = Person.objects.filter(organisation=org).count()
    missing = total - have
    if missing <= 0:
        return
    print(f"creating {missing} synthetic persons ...", flush=True)
    batch = 5000
    for start in range(0, missing, batch):
        n = min(batch, missing - start)
        with transaction.atomic():
            persons, names = [], []
            for _ in range(n):
                sex = rng.choice("FM")
                family, given = synthetic_name(rng, sex)
                year = rng.randint(1975, 2022)
                import datetime as dt

                person = Person(
                    organisation=org, display_name=f"{family} {given}", sex=sex,
                    birth_date=dt.date(year, 1, 1), birth_precision="year",
                    birth_earliest=dt.date(year, 1, 1), birth_latest=dt.date(year, 12, 31),
                )  # fmt: skip
                persons.append(person)
                names.append(PersonName(family_name=family, given_name=given, script="cyrl",
                                        is_primary=True))  # fmt: skip
            Person.objects.bulk_create(persons)
            keys = []
            for person, name in zip(persons, names, strict=True):
                name.person = person
                for key in keys_of_records(records_for(person, [name])):
                    keys.append(NameKey(person=person, key=key, kind=key.split("|")[0][:12]))
            PersonName.objects.bulk_create(names)
            NameKey.objects.bulk_create(keys, batch_size=10000)
        print(f"  {start + n}/{missing}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def synthetic_name(rng: random.Random, sex: str) -> tuple[str, str]:
    family = rng.choice(SURNAMES)
    if sex == "F":
        family = family + "а"
    return family, rng.choice(FEMALE if sex == "F" else MALE)


def perturbed(text: str, rng: random.Random) -> str:
    """The name as an authority might write it: Latin script, sometimes a typo."""
    latin = to_latin(text).title() if rng.random() < 0.7 else text
    if rng.random() < 0.2 and len(latin) > 4:
        i = rng.randrange(1, len(latin) - 1)
        latin = latin[:i] + latin[i + 1 :]
    return latin
