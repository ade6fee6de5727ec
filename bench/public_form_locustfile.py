"""Locust users for `bench/public_form_load.py`: families sending the public report form.

One task = one family: a new visitor (no cookies) opens /report/ in Russian, English or Arabic,
takes at least PUBLIC_LOAD_FILL_SECONDS to fill it in (the server refuses a form sent faster than
PUBLIC_FORM_MIN_SECONDS, 3 s by default), then sends it with one person, an account, the consents
and one 3-megapixel JPEG. The pacing per user (`constant_pacing`) sets the rate: U users paced at
P seconds send U * 60 / P forms a minute as long as one visit takes less than P seconds.

A submission is accepted when the answer is 200 and carries a receipt: the reference is the first
`<dd class="code" dir="ltr">` of templates/public/receipt.html. Every POST is written as one JSON
line to PUBLIC_LOAD_RESULTS/posts-<pid>.jsonl (one file per process; within a process the greenlets
cannot interleave a line: the write does not yield), so the runner can reconcile what the clients
saw with the database.

Environment (set by the runner): PUBLIC_LOAD_JPEG (the photo), PUBLIC_LOAD_RESULTS (a directory),
PUBLIC_LOAD_PACING (seconds per visit and user), PUBLIC_LOAD_FILL_SECONDS (default 3.2).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import HttpUser, constant_pacing, events, task

JPEG = Path(os.environ["PUBLIC_LOAD_JPEG"]).read_bytes()
RESULTS = Path(os.environ["PUBLIC_LOAD_RESULTS"]) / f"posts-{os.getpid()}.jsonl"
PACING = float(os.environ.get("PUBLIC_LOAD_PACING", "6"))
FILL_SECONDS = float(os.environ.get("PUBLIC_LOAD_FILL_SECONDS", "3.2"))
TIMEOUT = 90  # longer than gunicorn's --timeout 60: the server gives up first

GET_NAME = "GET /report/ (form)"
POST_NAME = "POST /report/ (submit)"

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
MANAGEMENT_RE = re.compile(r'name="(entries-[A-Z_]+)" value="(\d*)"')
REFERENCE_RE = re.compile(r'<dd class="code" dir="ltr">([^<]+)</dd>')

ACCEPT_LANGUAGE = {
    "ru": "ru-RU,ru;q=0.9,en;q=0.5",
    "en": "en-GB,en;q=0.9",
    "ar": "ar-IQ,ar;q=0.9,en;q=0.4",
}

# (family name, given name, patronymic or father's name, sex) in the script a family would use.
CYRILLIC = [
    ("Ахмедова", "Амина", "Руслановна", "F"),
    ("Исмаилов", "Муса", "Ибрагимович", "M"),
    ("Абакарова", "Хадижат", "Магомедовна", "F"),
    ("Цуева", "Марьям", "Адамовна", "F"),
    ("Гаджиев", "Ибрагим", "Шамилевич", "M"),
]
ARABIC = [
    ("الحسن", "مريم", "بنت أحمد", "F"),
    ("العبيدي", "يوسف", "بن خالد", "M"),
    ("الجبوري", "فاطمة", "بنت علي", "F"),
    ("الدليمي", "عمر", "بن محمود", "M"),
]
ACCOUNTS = {
    "ru": "Последний раз звонила в 2019 году из лагеря, говорила, что они с детьми живы.",
    "en": "She last called in 2019 from the camp and said that she and the children were alive.",
    "ar": "اتصلت آخر مرة سنة ٢٠١٩ من المخيم وقالت إنها والأطفال بخير.",
}
PLACES = ["аль-Хол", "Родж", "Мосул", "الهول", "روج"]
BIRTHS = ["2015", "04.2013", "21.04.2016", "about 7", "около 9"]


@events.test_stop.add_listener
def _let_the_csv_catch_up(**_kwargs) -> None:
    # Locust writes *_stats.csv once a second and not again at exit: without this pause the
    # answers of the last second (visits finished within --stop-timeout) are missing from it.
    gevent.sleep(2.5)


def _record(**fields) -> None:
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(fields, ensure_ascii=False) + "\n")


class Family(HttpUser):
    wait_time = constant_pacing(PACING)

    @task
    def send_report(self) -> None:
        language = random.choice(list(ACCEPT_LANGUAGE))
        self.client.cookies.clear()  # every visit is a new family, with a new CSRF cookie
        headers = {"Accept-Language": ACCEPT_LANGUAGE[language]}

        with self.client.get(
            "/report/", headers=headers, name=GET_NAME, timeout=TIMEOUT, catch_response=True
        ) as response:
            csrf = CSRF_RE.search(response.text or "")
            token = FORM_TOKEN_RE.search(response.text or "")
            if response.status_code != 200 or not csrf or not token:
                response.failure(f"HTTP {response.status_code} or no form in the page")
                _record(kind="get", ok=False, status=response.status_code, t=time.time())
                return
            management = dict(MANAGEMENT_RE.findall(response.text))

        time.sleep(FILL_SECONDS)  # a person reads and types (gevent-patched: yields)

        family, given, patronymic, sex = random.choice(ARABIC if language == "ar" else CYRILLIC)
        data = {
            "csrfmiddlewaretoken": csrf.group(1),
            "form_token": token.group(1),
            "website": "",
            "reporter_name": random.choice(["Зарема", "Patimat", "أم يوسف"]),
            "reporter_relationship": random.choice(["мать", "mother", "الأم"]),
            "reporter_phone": f"+7 928 {random.randint(100, 999)} {random.randint(10, 99)} 00",
            "reporter_region": random.choice(["Махачкала", "Грозный", "Baghdad"]),
            "reporter_language": language,
            "account": ACCOUNTS[language],
            "consent_process": "yes",
            "consent_share_authority": random.choice(["yes", "no"]),
            "consent_contact": "yes",
            **management,
            "entries-0-family_name": family,
            "entries-0-given_name": given,
            "entries-0-patronymic": patronymic,
            "entries-0-sex": sex,
            "entries-0-birth": random.choice(BIRTHS),
            "entries-0-relationship_to_reporter": random.choice(["дочь", "grandson", "ابنتي"]),
            "entries-0-last_known_place": random.choice(PLACES),
            "entries-0-last_known_date": random.choice(["2019", "03.2019", "15.03.2019"]),
        }
        files = {"attachments": ("IMG_2019.jpg", JPEG, "image/jpeg")}
        post_headers = {**headers, "Origin": self.host, "Referer": f"{self.host}/report/"}
        started = time.time()
        with self.client.post(
            "/report/",
            data=data,
            files=files,
            headers=post_headers,
            name=POST_NAME,
            timeout=TIMEOUT,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            receipt = response.text if response.status_code == 200 else ""
            found = REFERENCE_RE.search(receipt or "")
            if found:
                response.success()
                _record(kind="post", ok=True, status=200, reference=found.group(1), t=started)
            else:
                status = response.status_code or "connection error"
                response.failure(f"HTTP {status}" + (" without a receipt" if status == 200 else ""))
                _record(kind="post", ok=False, status=status, t=started)
