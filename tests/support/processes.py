"""Stopping child processes a test or bench started: SIGTERM, a grace period, then SIGKILL."""

from __future__ import annotations

import subprocess


def stop(*procs: subprocess.Popen, timeout: float = 10) -> None:  # type: ignore[type-arg]
    """Ask every process to stop at once, then wait for each up to ``timeout`` seconds and kill
    the ones still running."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
