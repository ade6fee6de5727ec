"""`manage.py linklists` as the README shows it, on a machine with none of the server's settings:
no secret key, no database URL, no demo flag (an offline tool must not need them)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _without_server_settings() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "CASEWORK_DEMO", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def test_linklists_runs_without_the_servers_settings(tmp_path):
    left = tmp_path / "left.csv"
    left.write_text(
        "record_id,family_name,given_name,birth_date\n"
        "L1,Исмаилова,Зарема,2011-04-02\n"
        "L2,Ахмедов,Магомед,2014\n",
        encoding="utf-8",
    )
    right = tmp_path / "right.csv"
    right.write_text(
        "record_id,family_name,given_name,birth_date\nR1,Ismailova,Zarema,2011-04-02\n",
        encoding="utf-8",
    )
    output = tmp_path / "pairs.csv"
    done = subprocess.run(  # noqa: S603 - the project's own manage.py with fixed arguments
        [sys.executable, "manage.py", "linklists", str(left), str(right), "--output", str(output)],
        cwd=ROOT,
        env=_without_server_settings(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "DJANGO_SECRET_KEY" not in done.stderr
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("left_id,right_id,probability")
    assert lines[1].startswith("L1,R1,")


def test_other_commands_still_need_the_servers_settings():
    done = subprocess.run(  # noqa: S603 - the project's own manage.py with fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_without_server_settings(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in done.stderr
