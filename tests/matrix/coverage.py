"""What the matrix must cover, read from the project itself: every URL pattern with every method its
view accepts, every selector and every service.

Accepted methods, per kind of view:
- a DRF viewset route: the methods the router mapped to an action of the viewset (`actions`), within
  its `http_method_names`;
- another DRF view: the methods it has a handler for; one with none answers every method (the
  API's JSON 404), so every one of them;
- a Django class-based view: the methods it has a handler for, within `http_method_names`;
- a function view behind `require_http_methods` (`require_POST`, `require_GET`, ...): the listed
  methods, found by unwrapping the decorators;
- any other function view answers every method, treating POST as a submission and every other
  method as GET: it must have a GET and a POST line.
HEAD, OPTIONS and TRACE are left out everywhere (Django and DRF answer them without the view's
logic).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from django.urls import URLPattern, URLResolver, get_resolver

IGNORED_METHODS = {"HEAD", "OPTIONS", "TRACE"}
EVERY_METHOD = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def url_patterns(patterns=None, namespace=None):
    """(full name, namespace, URLPattern) of every named pattern."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), namespace, entry


def _declared_methods(func) -> set[str] | None:
    seen = set()
    while func is not None and id(func) not in seen:
        seen.add(id(func))
        if getattr(func, "__closure__", None):
            try:
                nonlocals = inspect.getclosurevars(func).nonlocals
            except (TypeError, ValueError):
                nonlocals = {}
            if "request_method_list" in nonlocals:
                return {m.upper() for m in nonlocals["request_method_list"]}
        func = getattr(func, "__wrapped__", None)
    return None


def accepted_methods(pattern: URLPattern) -> set[str]:
    callback = pattern.callback
    drf_class = getattr(callback, "cls", None)
    actions = getattr(callback, "actions", None)
    if drf_class is not None and actions is not None:
        allowed = {m.upper() for m in drf_class.http_method_names}
        return {m.upper() for m in actions} & allowed - IGNORED_METHODS
    if drf_class is not None:
        handlers = {
            m.upper() for m in drf_class.http_method_names if hasattr(drf_class, m)
        } - IGNORED_METHODS
        return handlers or (EVERY_METHOD & {m.upper() for m in drf_class.http_method_names})
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {
            m.upper() for m in view_class.http_method_names if hasattr(view_class, m)
        } - IGNORED_METHODS
    declared = _declared_methods(callback)
    if declared is not None:
        return declared - IGNORED_METHODS
    return {"GET", "POST"}


def required_pairs(unlisted_names, unlisted_namespaces) -> dict[tuple[str, str], str]:
    """(URL name, method) → the view's dotted path, for every pattern the matrix must cover."""
    pairs = {}
    for name, namespace, pattern in url_patterns():
        if namespace in unlisted_namespaces or name in unlisted_names:
            continue
        callback = pattern.callback
        where = f"{callback.__module__}.{getattr(callback, '__name__', callback)}"
        for method in accepted_methods(pattern):
            pairs[(name, method)] = where
    return pairs


# --- Selectors and services --------------------------------------------------------------------


def selector_names() -> set[str]:
    """Every public function of `casework.selectors` (its own, and the gates it re-exports)."""
    import casework.selectors as module

    names = set(getattr(module, "__all__", ()))
    for name, value in vars(module).items():
        own = inspect.isfunction(value) and value.__module__ == module.__name__
        if own and not name.startswith("_"):
            names.add(name)
    return {f"selector:{name}" for name in names} | gate_names()


def gate_names() -> set[str]:
    """Every read gate the policy registers on a model (`Model.objects.<gate>(user)`)."""
    from casework.models.base import registered_read_gates

    return {f"gate:{label.rpartition('.')[2]}.{gate}" for label, gate in registered_read_gates()}


def _takes_actor(func) -> bool:
    parameter = inspect.signature(func).parameters.get("actor")
    return parameter is not None and parameter.kind == inspect.Parameter.KEYWORD_ONLY


def service_names() -> set[str]:
    """Every public function of `casework.services.*` (and `casework.exports`) that acts for a
    user: it takes the keyword-only `actor`."""
    import casework.exports
    import casework.services as package
    import casework.subject_access

    modules = [casework.exports, casework.subject_access]
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    names = set()
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ == module.__name__ and _takes_actor(value):
                names.add(f"service:{name}")
    return names
