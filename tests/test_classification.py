"""Every field of every casework model has a sensitivity (casework.classification.FIELDS)."""

from django.apps import apps

from casework.classification import FIELDS, Sens


def _concrete_fields():
    for model in apps.get_app_config("casework").get_models():
        for field in model._meta.concrete_fields:
            yield model.__name__, field.name


def test_every_model_field_is_classified():
    missing = [
        f"{model}.{field}"
        for model, field in _concrete_fields()
        if field not in FIELDS.get(model, {})
    ]
    assert not missing, f"Fields with no sensitivity in casework/classification.py: {missing}"


def test_no_classification_names_a_field_that_does_not_exist():
    existing = set(_concrete_fields()) | {
        (model.__name__, field.name)
        for model in apps.get_app_config("casework").get_models()
        for field in model._meta.many_to_many
    }
    stale = [
        f"{model}.{field}"
        for model, fields in FIELDS.items()
        for field in fields
        if (model, field) not in existing
    ]
    assert not stale, f"Classified fields that no model has: {stale}"


def test_every_sensitivity_is_one_of_the_four():
    assert {s for fields in FIELDS.values() for s in fields.values()} <= set(Sens)


def test_the_check_fails_when_a_field_is_left_out(monkeypatch):
    trimmed = {name: dict(fields) for name, fields in FIELDS.items()}
    del trimmed["Person"]["birthplace"]
    monkeypatch.setattr("tests.test_classification.FIELDS", trimmed)
    try:
        test_every_model_field_is_classified()
    except AssertionError as failure:
        assert "Person.birthplace" in str(failure)
    else:
        raise AssertionError("a left-out field went unnoticed")
