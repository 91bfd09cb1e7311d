"""Every ``sh`` block of every README runs as written, against the demo hall that ``make demo``
starts (``scripts/demo.sh``), in a scratch copy of the project so ``var/`` is its own.

A README's ``sh`` block is a promise: a newcomer pastes it into a terminal at the project's
root while the demo runs. Synopses (``[--options]``, placeholders) are not ``sh`` blocks. The
only change made to a block is the ports: the demo here runs on free ones, and a block's
``8080``, ``5570``, ``5571`` and ``19100`` are rewritten to them. ``make`` lines are what CI
itself runs, so they are left out.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hall import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readmes() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*README.md"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in out.stdout.split()]


def sh_blocks(readme: Path) -> list[str]:
    blocks = []
    for lang, body in FENCE.findall(readme.read_text(encoding="utf-8")):
        if lang == "sh":
            lines = [line for line in body.splitlines() if not line.lstrip().startswith("make ")]
            if any(line.strip() and not line.lstrip().startswith("#") for line in lines):
                blocks.append("\n".join(lines) + "\n")
    return blocks


BLOCKS = [(readme, i, block) for readme in readmes() for i, block in enumerate(sh_blocks(readme))]


def test_the_readmes_have_commands_to_run() -> None:
    # The main README's walk-through and the protocol's client example at least: a parser
    # that found nothing would pass every README silently.
    names = {readme.relative_to(ROOT).as_posix() for readme, _, _ in BLOCKS}
    assert {"README.md", "protocol/README.md"} <= names


class Demo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = {"8080": free_port(), "8081": free_port(), "5570": free_port(), "5571": free_port(),
                      "19100": free_port()}
        self.env = {
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
            "HALL_HTTP": f"127.0.0.1:{self.ports['8080']}",
            "HALL_PHONE_HTTP": f"127.0.0.1:{self.ports['8081']}",
            "HALL_ROUTER": f"tcp://127.0.0.1:{self.ports['5570']}",
            "HALL_PUB": f"tcp://127.0.0.1:{self.ports['5571']}",
            "HALL_PRINTER_PORT": str(self.ports["19100"]),
            # What the demo's scripts read for the same ports (scripts/demo_ticket.py).
            "HALL_PRINTER": f"tcp://127.0.0.1:{self.ports['19100']}",
        }
        self.env.pop("HALL_VAR", None)

    def as_here(self, block: str) -> str:
        """The block on this demo's ports (only a port after a colon or in a URL is one)."""
        for default, port in self.ports.items():
            block = re.sub(rf"(?<=:){default}\b", str(port), block)
        return block


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("readme") / "hall"
    root.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {"var", ".git"}:
            (root / entry.name).symlink_to(entry)
    (root / "var").mkdir()
    d = Demo(root)
    log = (root / "var" / "demo.out").open("wb")
    proc = subprocess.Popen(
        ["bash", "scripts/demo.sh"], cwd=root, env=d.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    out = root / "var" / "demo.out"
    deadline = time.monotonic() + 120
    try:
        while "Hall demo is running" not in out.read_text(errors="replace"):
            assert proc.poll() is None, f"make demo stopped:\n{out.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"make demo did not start:\n{out.read_text(errors='replace')}"
            time.sleep(0.2)
        text = out.read_text(errors="replace")
        # The demo's own first ticket went through the live hall and printed.
        assert "could not print the first demo ticket" not in text, text
        yield d
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.mark.parametrize(
    ("readme", "block"),
    [(readme, block) for readme, _, block in BLOCKS],
    ids=[f"{readme.relative_to(ROOT).as_posix()}#{i + 1}" for readme, i, _ in BLOCKS],
)
def test_a_readme_block_runs_as_written(demo: Demo, readme: Path, block: str) -> None:
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", demo.as_here(block)],
        cwd=demo.root, env=demo.env, capture_output=True, text=True, timeout=120,
    )
    said = f"{readme.relative_to(ROOT)}:\n{block}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert run.returncode == 0, said
    # curl exits 0 on an HTTP error; the hall's errors are JSON with an "error" member.
    assert '"error"' not in run.stdout, said
