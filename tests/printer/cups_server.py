"""A real CUPS scheduler (Debian's cupsd) on a private port and configuration, for tests.

It runs as root (as the tests do here and in CI) and drops to the ``lp`` user for backends, as
a stock installation does. Its files live in a world-readable temporary folder because backends
running as ``lp`` must read the spooled jobs.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import stop
from tests.support.wait import wait_for

CUPSD_CONF = """\
Listen 127.0.0.1:{port}
LogLevel info
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
ServerRoot {root}/conf
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
Printcap {root}/state/printcap
User lp
Group lp
"""


@dataclass
class CupsServer:
    server: str  # host:port for lp -h / lpadmin -h
    root: Path

    def add_raw_queue(self, name: str, device_uri: str) -> None:
        subprocess.run(
            ["lpadmin", "-h", self.server, "-p", name, "-E", "-v", device_uri],
            check=True,
            capture_output=True,
            timeout=20,
        )

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def cups_server() -> Iterator[CupsServer]:
    cupsd = shutil.which("cupsd") or "/usr/sbin/cupsd"
    root = Path(tempfile.mkdtemp(prefix="hall-cups-"))
    root.chmod(0o755)
    for sub in ("conf", "spool", "cache", "state", "tmp", "log"):
        (root / sub).mkdir()
        (root / sub).chmod(0o777)
    port = free_port()
    (root / "conf" / "cupsd.conf").write_text(CUPSD_CONF.format(port=port))
    (root / "conf" / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=root))
    server = f"127.0.0.1:{port}"
    proc = subprocess.Popen(
        [cupsd, "-f", "-c", str(root / "conf" / "cupsd.conf"), "-s", str(root / "conf" / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "log" / "stderr", "wb"),  # noqa: SIM115 - closed with the process
    )
    try:
        def running() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"cupsd exited: {(root / 'log' / 'stderr').read_text()}")
            done = subprocess.run(["lpstat", "-h", server, "-r"], capture_output=True, text=True, timeout=10)
            return "is running" in done.stdout and "not" not in done.stdout

        wait_for(
            running,
            timeout=15,
            interval=0.1,
            message=lambda: f"cupsd did not start: {(root / 'log' / 'stderr').read_text()}",
        )
        yield CupsServer(server, root)
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)
