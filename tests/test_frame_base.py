"""The frame every page extends: navigation per role, language switch, accessibility, CSP-safe."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"


def _nav(html: str) -> set[str]:
    nav = html.split('aria-label="Main navigation"', 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r'href="(/[a-z]*/?)"', nav))


@pytest.mark.parametrize(
    ("persona", "links"),
    [
        (
            "caseworker",
            {"/", "/persons/", "/reports/", "/imports/", "/review/", "/flights/", "/places/"},
        ),
        ("intake", {"/", "/persons/", "/reports/", "/places/"}),
        ("dpo", {"/", "/persons/", "/audit/", "/places/"}),
        # The Django admin is the superuser's; an administrator keeps the organisation in the app.
        ("admin", {"/", "/organisation/", "/places/"}),
        (
            "supervisor",
            {"/", "/persons/", "/reports/", "/imports/", "/review/", "/flights/", "/places/"},
        ),
    ],
)
def test_navigation_shows_only_the_areas_the_role_may_use(world, login, persona, links):
    html = login(getattr(world, persona)).get("/").content.decode()
    assert _nav(html) == links


def test_the_frame_has_a_skip_link_user_logout_and_language_switch(world, login):
    html = login(world.caseworker).get("/").content.decode()
    assert 'href="#main"' in html and 'id="main"' in html
    assert "caseworker" in html
    assert 'action="/account/logout/"' in html
    assert 'action="/i18n/setlang/"' in html
    assert '<label class="visually-hidden" for="language-select">' in html
    assert 'value="ru"' in html


def test_the_home_page_shows_counts_by_status(world, login):
    response = login(world.supervisor).get("/")
    html = response.content.decode()
    assert 'id="persons-by-status"' in html
    assert '<tr data-status="reported"' in html
    assert 'id="reports-waiting"' in html


def test_the_login_page_and_the_home_page_speak_russian(world, login):
    anonymous = Client()
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = anonymous.get("/account/login/").content.decode()
    assert "Войти" in page and "Имя пользователя" in page
    client = login(world.caseworker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    home = client.get("/").content.decode()
    assert "Обзор" in home and "Люди по статусам" in home and "заявлен(а)" in home
    assert '<html lang="ru"' in home


def test_the_language_switch_sets_russian(world, login):
    client = login(world.caseworker)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert "Выйти" in client.get("/").content.decode()


def test_every_russian_message_is_translated():
    po = (ROOT / "casework/locale/ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$', e, re.M)]
    untranslated = [e for e in untranslated if not re.search(r'^msgstr(\[\d\])? ""\n"', e, re.M)]
    assert not untranslated, untranslated[:3]
    assert (ROOT / "casework/locale/ru/LC_MESSAGES/django.mo").exists()


def _po_singulars(po: str) -> dict[str, str]:
    """msgid → msgstr of the .po's plain entries (no context, no plural), strings joined."""

    def text(lines: list[str]) -> str:
        return "".join(ast.literal_eval(line) for line in lines)

    found = {}
    for entry in po.split("\n\n"):
        lines = [line for line in entry.splitlines() if not line.startswith("#")]
        if any(line.startswith(("msgctxt", "msgid_plural")) for line in lines):
            continue
        try:
            start = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
            middle = next(i for i, line in enumerate(lines) if line.startswith("msgstr "))
        except StopIteration:
            continue
        msgid = text([lines[start][6:], *lines[start + 1 : middle]])
        msgstr = text([lines[middle][7:], *lines[middle + 1 :]])
        if msgid:
            found[msgid] = msgstr
    return found


def test_the_compiled_russian_catalogue_is_the_one_in_the_po_file():
    folder = ROOT / "casework/locale/ru/LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    expected = _po_singulars((folder / "django.po").read_text(encoding="utf-8"))
    assert len(expected) > 400
    stale = [msgid for msgid, msgstr in expected.items() if catalogue.gettext(msgid) != msgstr]
    assert not stale, f"run manage.py compilemessages: {stale[:3]}"


def test_templates_have_no_inline_scripts_or_styles():
    offences = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text):
            offences.append(str(path.relative_to(ROOT)))
        if re.search(r"\son[a-z]+=", text):
            offences.append(f"{path.relative_to(ROOT)} (event handler attribute)")
    assert not offences


def test_no_template_loads_anything_from_another_site():
    offences = [
        str(p.relative_to(ROOT))
        for p in TEMPLATES.rglob("*.html")
        if re.search(r'(src|href)="(https?:)?//', p.read_text())
    ]
    assert not offences


def test_the_css_framework_is_vendored_with_its_mit_licence(world, login):
    folder = ROOT / "static/vendor/bootstrap"
    assert "MIT License" in (folder / "LICENSE").read_text()
    css = (folder / "bootstrap.min.css").read_text()
    assert "sourceMappingURL" not in css  # the manifest storage would look for the map
    assert (
        "/static/vendor/bootstrap/bootstrap.min.css"
        in login(world.caseworker).get("/").content.decode()
    )


def test_pages_are_sent_with_the_csp_forbidding_inline_code(world, login):
    response = login(world.caseworker).get("/persons/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


def test_the_navigation_stays_hidden_until_the_second_factor_is_passed(world):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=world.supervisor, name="phone", confirmed=True)
    client = Client()
    client.force_login(world.supervisor)  # password only: not verified
    response = client.get("/account/2fa/")
    assert response.status_code == 200
    assert response.context["nav"] == {}
    assert 'href="/persons/"' not in response.content.decode()
    assert "Log out" in response.content.decode()
