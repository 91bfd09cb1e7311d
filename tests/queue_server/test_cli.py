"""The command line as scripts use it: help everywhere, a token alone on stdout, key files,
a clean stop on SIGTERM that keeps the queue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.hall import ROOT, HallProcess, run_cli

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "args",
    [
        [], ["init"], ["serve"], ["token", "create"], ["token", "list"], ["token", "revoke"],
        ["device", "enroll"], ["device", "list"], ["device", "revoke"], ["catalogue", "publish"], ["catalogue", "check"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "queue_server", *args, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "usage:" in out.stdout


def test_token_alone_on_stdout_and_device_key_files(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    run_cli("init", var=tmp_path / "var", db=db)
    token = run_cli("token", "create", "--role", "manager", var=tmp_path / "var", db=db).stdout
    assert token.count("\n") == 1 and token.startswith("hall_") and " " not in token.strip()
    bad = run_cli("token", "create", "--role", "king", var=tmp_path / "var", db=db, check=False)
    assert bad.returncode != 0 and "invalid choice" in bad.stderr
    keys = json.loads(run_cli("device", "enroll", "kiosk-9", var=tmp_path / "var", db=db).stdout)
    assert Path(keys["public"]).exists() and Path(keys["secret"]).stat().st_mode & 0o077 == 0


def test_catalogue_check_names_the_broken_item(tmp_path: Path) -> None:
    text = (ROOT / "queue_server/catalogue/data/district_hall.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "cat.yaml"
    broken.write_text(text.replace("stream: citizen", "stream: martian", 1), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "queue_server", "catalogue", "check", str(broken)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1 and "stream" in out.stderr and "C-" in out.stderr


def test_sigterm_stops_cleanly_and_the_queue_survives(tmp_path: Path) -> None:
    hall = HallProcess(tmp_path / "var", f"sqlite:///{tmp_path / 'h.db'}", insecure=True)
    hall.init()
    hall.start()
    item = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5).json()["items"][0]["code"]
    t = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5).json()
    # Open connections do not hold the stop: a keep-alive one (a browser's) and a phone's stream.
    browser = requests.Session()
    assert browser.get(f"{hall.http}/api/v1/health", timeout=5).status_code == 200
    stream = requests.get(f"{hall.phone_live}/live/ticket/{t['id']}", params={"token": t["token"]}, stream=True,
                          timeout=5)
    assert stream.status_code == 200
    assert hall.terminate() == 0
    assert "stopped cleanly" in hall.log()
    browser.close()
    stream.close()
    hall.start()
    try:
        again = requests.get(f"{hall.http}/api/v1/tickets/{t['id']}", params={"token": t["token"]}, timeout=5)
        assert again.status_code == 200 and again.json()["state"] == "waiting"
    finally:
        hall.stop()


@pytest.mark.parametrize(
    "command",
    [["init"], ["device", "enroll", "kiosk-9"], ["token", "create", "--role", "manager"]],
)
def test_a_folder_that_cannot_be_written_is_one_clear_line_not_a_traceback(tmp_path: Path, command: list[str]) -> None:
    # Tests run as root, where chmod stops no write: a var folder under a regular file makes
    # every mkdir in it fail (NotADirectoryError), for root too.
    db = f"sqlite:///{tmp_path / 'good' / 'h.db'}"
    run_cli("init", var=tmp_path / "good", db=db)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for url in (db, f"sqlite:///{blocker / 'var' / 'h.db'}"):  # the var folder, then the database too
        out = run_cli(*command, var=blocker / "var", db=url, check=False)
        if command[0] == "token" and url == db:
            assert out.returncode == 0  # a token needs only the database
            continue
        assert out.returncode == 1, out.stderr
        assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1
        assert "cannot write" in out.stderr and "无法写入" in out.stderr and str(blocker) in out.stderr


def test_a_database_that_cannot_be_opened_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    out = run_cli("token", "create", "--role", "manager", var=tmp_path / "var", db=f"sqlite:///{tmp_path}", check=False)
    assert out.returncode == 1 and "Traceback" not in out.stderr and out.stderr.count("\n") == 1
    assert "database" in out.stderr and "数据库" in out.stderr
