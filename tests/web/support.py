"""Helpers of the web tests: Debian's Chromium, users, sign-in, tickets."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import requests
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine

from queue_server.users import create_user
from tests.support.hall import ROOT, HallProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CLERK_PASSWORD = "chen-xiaomei-2026"
CLERK2_PASSWORD = "wang-jianguo-2026"
MANAGER_PASSWORD = "manager-pass-2026"


def add_user(hall: HallProcess, name: str, role: str, password: str, clerk: str | None = None) -> None:
    extra = ["--clerk", clerk] if clerk else []
    subprocess.run(
        [sys.executable, "-m", "queue_server", "user", "add", name, "--role", role, *extra, "--password-stdin",
         "--db", hall.db, "--var", str(hall.var)],
        cwd=ROOT, input=password + "\n", text=True, check=True, capture_output=True, timeout=60,
    )


def add_users(hall: HallProcess, *users: tuple[str, str, str, str | None]) -> None:
    """Several accounts at once, ``(name, role, password, clerk)``, as ``user add`` makes them
    (``users.create_user``) but in this process: each ``user add`` is a second of start-up."""
    db = create_engine(hall.db)
    try:
        for name, role, password, clerk in users:
            create_user(db, hall.hall or "H01", name, password, role, clerk)  # new_hall: the demo config's H01
    finally:
        db.dispose()


def new_hall(
    var: Path, before_start: Callable[[HallProcess], None] | None = None, *, pad_window: int | None = None
) -> HallProcess:
    """A hall with clerks chen (c01), wang (c02) and a manager, boss; started (after
    ``before_start``, which may enroll devices: the server reads them as it starts).
    ``pad_window``: a call pad, pad-1, enrolled for that window (its keys in ``h.pad``), as a
    window agent uses it."""
    # The pages load htmx from the package's static folder: make bootstrap puts it there.
    subprocess.run(["bash", str(ROOT / "scripts" / "vendor.sh")], check=True, timeout=300)
    h = HallProcess(var, f"sqlite:///{var}/hall.db")
    h.init()
    add_users(h, ("chen", "clerk", CLERK_PASSWORD, "c01"), ("wang", "clerk", CLERK2_PASSWORD, "c02"),
              ("boss", "manager", MANAGER_PASSWORD, None))
    if pad_window is not None:
        h.pad = h.enroll("pad-1", "callpad", window=pad_window)  # type: ignore[attr-defined]
    if before_start is not None:
        before_start(h)
    h.start()
    return h


def sign_in(page: Page, hall: HallProcess, username: str, password: str) -> None:
    page.goto(hall.http + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#sign-in")


def at_window(page: Page, hall: HallProcess, username: str, password: str, window: int) -> None:
    sign_in(page, hall, username, password)
    page.click(f"#window-{window}")
    expect(page).to_have_url(re.compile(r"/console$"))


def issue(hall: HallProcess, item: str | None = None) -> str:
    if item is None:
        items = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5).json()["items"]
        item = next(i["code"] for i in items if i["stream"] == "citizen")
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()["number"]
