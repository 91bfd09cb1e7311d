"""Property-based tests of the REST API from its own OpenAPI document (schemathesis), against
a real server, with a token of each role: whatever the document allows a caller to send, the
server never answers 5xx, and every answer fits the schema the document gives for it.

Bounded: a fixed seed, a few examples per operation, no shrinking; about 20 s per role here.
An operation the role may not call is fuzzed with one example, not ten: the server refuses the
call (401 or 403) in ``requires`` before the view reads the query or the body, so only the path
varies what it handles, and the roles that may call it fuzz that path in full. Every phase
still runs every operation for every role (the coverage phase's edge cases in full).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from queue_server.auth import ROLE_RANK
from queue_server.http import create_app
from queue_server.http.document import PREFIX, openapi_path
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

ROLES = ("public", "clerk", "manager", "admin")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
EXAMPLES = 10


def refused_operations(role: str) -> list[str]:
    """The operations (schemathesis's names: METHOD and path under /api/v1) that need a
    higher role than ``role`` (``queue_server.http.auth.requires``)."""
    app = create_app(None, create_engine("sqlite://"))  # type: ignore[arg-type]  # the URL map needs no hall
    names = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        need = getattr(view, "required_role", None)
        if getattr(view, "operation", None) is None or not rule.rule.startswith(PREFIX) or need is None:
            continue
        if role == "public" or ROLE_RANK[role] < ROLE_RANK[need]:
            path = openapi_path(rule.rule).removeprefix(PREFIX)
            names += [f"{m} {path}" for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return sorted(names)


def config(role: str) -> str:
    """schemathesis.toml: EXAMPLES per operation, one in the fuzzing phase for those the role
    may not call. (Not ``--max-examples``: the command line outranks an operation's own.)"""
    lines = [f"generation.max-examples = {EXAMPLES}"]
    refused = refused_operations(role)
    if refused:
        lines += ["[[operations]]", f"include-name = {json.dumps(refused)}", "phases.fuzzing.generation.max-examples = 1"]
    return "\n".join(lines) + "\n"


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
        "--seed", "1", "--no-shrink",
        "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "10", "--warnings", "off",
    ]  # fmt: skip
    token = hall.tokens.get(role)  # type: ignore[attr-defined]
    if token:
        cmd += ["--header", f"Authorization: Bearer {token}"]
    (tmp_path / "schemathesis.toml").write_text(config(role), encoding="utf-8")  # read from the working folder
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, f"schemathesis as {role}:\n{run.stdout[-20000:]}\n{run.stderr[-3000:]}\n{hall.log()[-3000:]}"
    assert "No issues found" in run.stdout, run.stdout[-5000:]
    assert "schemathesis.toml" in run.stdout, run.stdout[-5000:]  # the configuration was read


def test_the_refused_operations_are_known_for_each_role() -> None:
    """The reading of ``requires`` the fuzzing's configuration rests on: the public may call
    few operations, an admin every one, each role at most what the one below it may not."""
    refused = {role: set(refused_operations(role)) for role in ROLES}
    assert "POST /catalogue" in refused["public"] and not refused["admin"]
    assert refused["public"] > refused["clerk"] > refused["manager"] >= refused["admin"]
