"""Property-based tests of the REST API from its own OpenAPI document (schemathesis), against
a real server, with a token of each role: whatever the document allows a caller to send, the
server never answers 5xx, and every answer fits the schema the document gives for it.

Bounded: a fixed seed, a few examples per operation, no shrinking; about 20 s per role here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

ROLES = ("public", "clerk", "manager", "admin")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def _st() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    assert found, "schemathesis is in requirements.txt; make test installs it"
    return found


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("fuzz")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.tokens = {  # type: ignore[attr-defined]
        "clerk": h.token("clerk", clerk="c01"),
        "manager": h.token("manager"),
        "admin": h.token("admin"),
    }
    h.start()
    yield h
    h.stop()


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_5xx_or_outside_its_schema(hall: HallProcess, role: str, tmp_path: Path) -> None:
    cmd = [
        _st(), "run", f"{hall.http}/api/v1/openapi.json",
        "--checks", CHECKS,
        "--max-examples", "10", "--seed", "1", "--no-shrink",
        "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "10", "--warnings", "off",
    ]  # fmt: skip
    token = hall.tokens.get(role)  # type: ignore[attr-defined]
    if token:
        cmd += ["--header", f"Authorization: Bearer {token}"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, f"schemathesis as {role}:\n{run.stdout[-20000:]}\n{run.stderr[-3000:]}\n{hall.log()[-3000:]}"
    assert "No issues found" in run.stdout, run.stdout[-5000:]
