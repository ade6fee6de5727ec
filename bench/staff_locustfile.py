"""Locust users for `bench/staff_load.py`: caseworkers at work on their cases.

Each locust user is one caseworker of STAFF_LOAD_USERS (a JSON list the runner writes: a session
that passed the second factor, the persons of their own, the three commonest surnames), taken in
order, so no two users share a session or a person (a 409 would be a real conflict, not an
artefact of the benchmark). Between actions a caseworker thinks 0.5–2 s. The mix (weights):
home 10, the person list 15 (a third of them page 2), a name search 15, the list filtered by
status 10, a person's page 25, the API's person list 10, a note 10 (the form, a pause, the POST),
a status change 5 (the form, a pause, an offered move with the record's version).

A GET must answer 200 and a POST 302 (redirects are not followed: a redirect to the login or the
second factor is an error). Every request is written as one JSON line (name, kind, ms, status,
error, start time) to STAFF_LOAD_RESULTS/samples-<pid>.jsonl: the runner computes exact
percentiles from them and drops the warm-up.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import urllib.parse
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

USERS = json.loads(Path(os.environ["STAFF_LOAD_USERS"]).read_text())
RESULTS = Path(os.environ["STAFF_LOAD_RESULTS"]) / f"samples-{os.getpid()}.jsonl"
TIMEOUT = 90  # longer than gunicorn's --timeout 60: the server gives up first
WRITES = {"note_post", "status_post"}
# Moves that end a case: avoided when another is offered, so the persons keep moving on the
# active path across runs.
EXIT_STATUSES = {"not_traceable", "closed_other", "deceased"}

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
# Every staff form that creates something carries a one-time token (saved once if sent twice).
FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
SELECT_TO_RE = re.compile(r'<select name="to".*?</select>', re.S)
OPTION_RE = re.compile(r'<option value="([a-z_]+)"')

_next_user = itertools.count()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response, exception, **kw):
    status = getattr(response, "status_code", None)
    line = {
        "name": name,
        "write": name in WRITES,
        "ms": round(response_time, 2),
        "status": status,
        "error": str(exception)[:120] if exception else "",
        "t": time.time() - response_time / 1000,
    }
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


@events.test_stop.add_listener
def _let_the_last_lines_land(**_kwargs) -> None:
    gevent.sleep(1)


class Caseworker(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        index = next(_next_user)
        if index >= len(USERS):
            raise RuntimeError(f"more locust users than prepared caseworkers ({len(USERS)})")
        self.me = USERS[index]
        self.client.cookies.set(self.me["session_cookie"], self.me["session_key"])
        self.client.headers.update({"Accept-Language": "en"})

    def _get(self, name: str, path: str) -> str:
        with self.client.get(
            path, name=name, timeout=TIMEOUT, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"HTTP {response.status_code} {where[:40]}".strip())
                return ""
            return response.text

    def _post(self, name: str, path: str, data: dict) -> None:
        headers = {"Origin": self.host, "Referer": f"{self.host}{path}"}
        with self.client.post(
            path,
            data=data,
            headers=headers,
            name=name,
            timeout=TIMEOUT,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/persons/" not in response.headers.get(
                "Location", ""
            ):
                response.failure(f"HTTP {response.status_code}, expected 302 to the person")

    def _person(self) -> str:
        return random.choice(self.me["persons"])

    @task(10)
    def home(self) -> None:
        self._get("home", "/")

    @task(15)
    def person_list(self) -> None:
        self._get("person_list", "/persons/" + random.choice(["", "", "?page=2"]))

    @task(15)
    def person_list_q(self) -> None:
        surname = urllib.parse.quote(random.choice(self.me["surnames"]))
        self._get("person_list_q", f"/persons/?q={surname}")

    @task(10)
    def person_list_status(self) -> None:
        self._get("person_list_status", "/persons/?status=located")

    @task(25)
    def person_detail(self) -> None:
        self._get("person_detail", f"/persons/{self._person()}/")

    @task(10)
    def api_persons(self) -> None:
        self._get("api_persons", "/api/v1/persons/")

    @task(10)
    def note(self) -> None:
        path = f"/persons/{self._person()}/notes/new/"
        page = self._get("note_form", path)
        token, once = CSRF_RE.search(page), FORM_TOKEN_RE.search(page)
        if token is None or once is None:
            return
        time.sleep(random.uniform(0.5, 2.0))  # writing the note (gevent-patched: yields)
        text = f"Load-test note {random.randrange(10**6)}: called the family, no news."
        self._post(
            "note_post",
            path,
            {"csrfmiddlewaretoken": token.group(1), "form_token": once.group(1), "text": text},
        )

    @task(5)
    def status(self) -> None:
        path = f"/persons/{self._person()}/status/"
        page = self._get("status_form", path)
        token, version = CSRF_RE.search(page), VERSION_RE.search(page)
        select = SELECT_TO_RE.search(page)
        moves = OPTION_RE.findall(select.group(0)) if select else []
        if token is None or version is None or not moves:
            return
        preferred = [m for m in moves if m not in EXIT_STATUSES] or moves
        time.sleep(random.uniform(0.5, 2.0))
        self._post(
            "status_post",
            path,
            {
                "csrfmiddlewaretoken": token.group(1),
                "to": random.choice(preferred),
                "reason": "Load test: new information from the family.",
                "version": version.group(1),
            },
        )
