"""A raw CUPS queue, through the ``lp`` command (no pycups, which needs CUPS headers to build).

Bytes are collected per job and submitted with ``lp -o raw`` when the job ends; CUPS then
spools and retries on its own. Nothing comes back through a queue, so status is unknown and
jobs are "handed to CUPS", not confirmed printed. Queues on another server: ``server="host:631"``
(or the ``CUPS_SERVER`` environment variable).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from printer.transports.base import Transport, TransportError

_REQUEST_ID = re.compile(r"request id is (\S+)")


def submit(
    source: bytes | Path,
    queue: str,
    *,
    server: str | None = None,
    raw: bool = True,
    title: str = "",
    options: Sequence[str] = (),
    lp: str = "lp",
    timeout: float = 30.0,
) -> str:
    """Submit bytes (from stdin) or a file to ``queue``; return CUPS's job id (``queue-42``)."""
    cmd = [lp]
    if server:  # before -d: lp looks the destination up on the server chosen so far
        cmd += ["-h", server]
    cmd += ["-d", queue]
    if raw:
        cmd += ["-o", "raw"]
    if title:
        cmd += ["-t", title]
    for opt in options:
        cmd += ["-o", opt]
    data = None
    if isinstance(source, Path):
        cmd += ["--", str(source)]
    else:
        data = source
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TransportError(f"lp failed: {exc}") from exc
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        raise TransportError(
            f"lp -d {queue}: {done.stderr.decode('utf-8', 'replace').strip() or out.strip()}"
        )
    m = _REQUEST_ID.search(out)
    return m.group(1) if m else ""


class CupsTransport(Transport):
    bidirectional = False

    def __init__(self, queue: str, *, server: str | None = None, lp: str = "lp") -> None:
        self.queue = queue
        self.server = server
        self.lp = lp
        self._buffer = bytearray()
        self.job_ids: list[str] = []

    @property
    def description(self) -> str:
        return f"cups {self.queue}" + (f"@{self.server}" if self.server else "")

    def open(self) -> None:
        pass

    def close(self) -> None:
        if self._buffer:  # a job never ended is still submitted: nothing silently lost
            self.end_job()

    def write(self, data: bytes) -> None:
        self._buffer += data

    def read(self, size: int, timeout: float) -> bytes:
        return b""

    def end_job(self, title: str = "") -> None:
        if not self._buffer:
            return
        data = bytes(self._buffer)
        job = submit(data, self.queue, server=self.server, raw=True, title=title or "hall", lp=self.lp)
        self._buffer.clear()  # only once CUPS has it
        self.job_ids.append(job)
