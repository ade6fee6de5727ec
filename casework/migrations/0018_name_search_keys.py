"""The name search's own keys (issue 9) for the persons already stored: a given name's
equivalence class, the consonant skeletons, the patronymic's father, alias words and kunyas by
class (`casework.matching.keys.search_keys_for_person`). New and changed names get them from
`services.names` as they are written; the blocking keys stored before stay as they are. The
key index gains the person (a search reads its matches and ranks from the index alone).

Computed with the matching package (pure, no Django) from the historical models, so this runs
the same whatever the models become later."""

from django.db import migrations, models

_ALIAS_KINDS = ("alias", "kunya", "nickname")
_CHUNK = 2000
_KEY_LENGTH = 80


def _as_text(name) -> str:
    parts = (name.family_name, name.given_name, name.patronymic)
    return name.full_text or " ".join(p for p in parts if p)


def _records(names):
    from casework.matching import PersonRecord

    aliases = tuple(_as_text(n) for n in names if n.kind in _ALIAS_KINDS)
    records = [
        PersonRecord(
            record_id="",
            family_name=n.family_name,
            given_name=n.given_name,
            patronymic=n.patronymic,
            full_name="" if (n.family_name or n.given_name) else n.full_text,
            aliases=aliases,
        )
        for n in names
        if n.kind not in _ALIAS_KINDS
    ]
    return records or ([PersonRecord(record_id="", aliases=aliases)] if aliases else [])


def add_search_keys(apps, schema_editor):
    from casework.matching import prepare
    from casework.matching.keys import search_keys_for_person

    Person = apps.get_model("casework", "Person")
    PersonName = apps.get_model("casework", "PersonName")
    NameKey = apps.get_model("casework", "NameKey")
    ids = list(
        Person.objects.filter(merged_into__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        names = {}
        for name in PersonName.objects.filter(person_id__in=chunk).order_by("pk"):
            names.setdefault(name.person_id, []).append(name)
        rows = []
        for person_id, theirs in names.items():
            keys = set()
            for record in _records(theirs):
                keys |= {k[:_KEY_LENGTH] for k in search_keys_for_person(prepare(record))}
            rows += [NameKey(person_id=person_id, key=k, kind=k.split("|", 1)[0]) for k in keys]
        NameKey.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def remove_search_keys(apps, schema_editor):
    NameKey = apps.get_model("casework", "NameKey")
    NameKey.objects.filter(kind__in=["g", "k", "ka", "p", "a", "kc"]).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0017_audit_hash_chain")]

    operations = [
        # (key, person): the key look-ups and the search's rank are read from the index alone.
        migrations.AddIndex(
            model_name="namekey",
            index=models.Index(fields=["key", "person"], name="namekey_key_person"),
        ),
        migrations.RemoveIndex(model_name="namekey", name="namekey_key"),
        migrations.RunPython(add_search_keys, remove_search_keys, elidable=True),
    ]
