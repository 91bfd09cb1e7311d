"""A real queue server process for end-to-end tests: init, enrol devices, serve, kill, restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.processes import stop
from tests.support.wait import wait_for

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, var: Path, db: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queue_server", *args, "--db", db, "--var", str(var)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def h77_config(folder: Path, *, extra_clerk: str = "") -> Path:
    """config/hall.yaml as a second hall of the city, H77, with clerks of its own (clerk ids
    are city-wide); ``extra_clerk``: one more clerk, as a YAML flow mapping."""
    text_ = (ROOT / "config" / "hall.yaml").read_text(encoding="utf-8")
    text_ = text_.replace("code: H01 ", "code: H77 ").replace("{id: c0", "{id: h77-c0").replace("{id: d-", "{id: h77-d-")
    if extra_clerk:
        text_ = text_.replace("clerks:", f"clerks:\n  - {extra_clerk}", 1)
    path = folder / "h77.yaml"
    path.write_text(text_, encoding="utf-8")
    return path


def wide_hall_config(folder: Path, windows: int) -> Path:
    """config/hall.yaml with ``windows`` windows: the demo's eight, then comprehensive ones
    without a clerk (closed), as a big hall's board shows them."""
    text_ = (ROOT / "config" / "hall.yaml").read_text(encoding="utf-8")
    extra = "".join(
        f"  - {{number: {n}, kind: comprehensive, stream: citizen, name: 综合窗口 Comprehensive}}\n"
        for n in range(9, windows + 1)
    )
    text_ = text_.replace("\nclerks:", f"{extra}\nclerks:", 1)
    path = folder / f"hall-{windows}.yaml"
    path.write_text(text_, encoding="utf-8")
    return path


@dataclass
class HallProcess:
    var: Path
    db: str
    insecure: bool = False
    http_port: int = field(default_factory=free_port)
    #: the phones' live updates (``serve --phone-http``)
    phone_port: int = field(default_factory=free_port)
    router_port: int = field(default_factory=free_port)
    pub_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None
    log_path: Path | None = None
    #: ``serve --hall``: needed where the database holds several halls
    hall: str | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def phone_live(self) -> str:
        return f"http://127.0.0.1:{self.phone_port}"

    @property
    def router(self) -> str:
        return f"tcp://127.0.0.1:{self.router_port}"

    @property
    def pub(self) -> str:
        return f"tcp://127.0.0.1:{self.pub_port}"

    @property
    def server_public(self) -> Path:
        return self.var / "keys" / "server.key"

    def init(self, config: Path | None = None) -> None:
        run_cli("init", *(["--config", str(config)] if config else []), var=self.var, db=self.db)

    def enroll(self, name: str, kind: str = "kiosk", window: int | None = None) -> dict[str, str]:
        """``device enroll NAME --kind KIND [--window N]``: what it prints, parsed. Done in this
        process by the functions the command calls (each run of the command line is a second or
        more of start-up; the command itself is tested in tests/queue_server/test_cli.py)."""
        from queue_server.auth import enroll_device
        from queue_server.cli import resolve_hall
        from queue_server.paths import Paths
        from queue_server.store import make_engine

        paths = Paths(self.var)
        db = make_engine(self.db)
        try:
            hall = resolve_hall(db, None)
            pair = enroll_device(db, paths, hall, name, kind, window)
        finally:
            db.dispose()
        return {"hall": hall, "public": str(pair.public), "secret": str(pair.secret),
                "server_public": str(paths.server_public)}  # fmt: skip

    def token(self, role: str, clerk: str | None = None) -> str:
        """``token create --role ROLE [--clerk C]``: the new token, made in this process as
        ``enroll`` is."""
        from queue_server.auth import create_token
        from queue_server.cli import resolve_hall
        from queue_server.store import make_engine

        db = make_engine(self.db)
        try:
            return create_token(db, role, "", clerk, hall=resolve_hall(db, None))
        finally:
            db.dispose()

    def start(self, timeout: float = 60, *, healthy: bool = True) -> None:
        """Start serving; wait until ``/health`` answers 200 (or, with ``healthy=False``, answers at all:
        a hall whose store fails says so with 503)."""
        self.log_path = self.var / f"server-{int(time.time() * 1000)}.log"
        log = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        cmd = [
            sys.executable, "-m", "queue_server", "serve",
            "--db", self.db, "--var", str(self.var),
            "--http", f"127.0.0.1:{self.http_port}",
            "--phone-http", f"127.0.0.1:{self.phone_port}",
            "--router", self.router, "--pub", self.pub,
        ]
        if self.insecure:
            cmd.append("--insecure")
        if self.hall is not None:
            cmd += ["--hall", self.hall]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
        proc = self.proc

        def serving() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                status = requests.get(f"{self.http}/api/v1/health", timeout=1).status_code
            except requests.RequestException:
                return False
            return status == 200 or (not healthy and status == 503)

        wait_for(serving, timeout=timeout, interval=0.1, message=lambda: f"server did not start: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9: no clean shutdown, no final checkpoint."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=15)
