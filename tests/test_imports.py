"""Every module of the project imports alone, in a fresh interpreter: no import circles (a
module that works only when another was imported first), no import that needs a device.

Packages are found from the repository tree (top-level directories with an ``__init__.py``,
not ``tests``); left out are ``__main__`` modules (importing one runs the program) and
Alembic's migrations (``env.py`` and ``versions/`` run only inside Alembic)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_PACKAGES = {"tests", "docs", "scripts", "bench", "config"}


def project_files() -> list[Path]:
    files = []
    for top in sorted(ROOT.iterdir()):
        if top.name in NOT_PACKAGES or top.name.startswith(".") or not (top / "__init__.py").is_file():
            continue
        for path in sorted(top.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts and (parts[-1] == "env" or "versions" in parts):
                continue
            if parts[-1] != "__main__" and not any(p.startswith(".") for p in parts):
                files.append(path)
    return files


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> list[str]:
    return [module_of(f) for f in project_files()]


def kivy_env(home: Path) -> dict[str, str]:
    """Kivy as the kiosk's tests run it: no screen, no command line, no log files."""
    env = dict(os.environ)
    env.update(
        KIVY_NO_ARGS="1",
        KIVY_HOME=str(home),
        KIVY_NO_FILELOG="1",
        KIVY_NO_CONSOLELOG="1",
        KIVY_LOG_MODE="PYTHON",
        SDL_VIDEODRIVER="offscreen",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def test_the_packages_are_found() -> None:
    modules = project_modules()
    for expected in ("protocol.messages", "queue_server.handlers.registry", "kiosk", "kivyenv", "voice"):
        assert expected in modules
    assert not [m for m in modules if m.startswith("tests") or ".versions." in m]


def test_every_module_imports_alone(tmp_path: Path) -> None:
    """One child per module, forked by a fresh interpreter that has imported no module of the
    project, only the libraries they use (so each child costs its own modules, not SQLAlchemy,
    Flask or NumPy again): the same as ``python -c "import <module>"`` for what matters here.

    A module that its package's ``__init__`` imports is not imported again: importing it alone
    imports the package first, which imports it, so its child would do exactly what the
    package's did; it gets the package's exit code and output."""
    env = kivy_env(tmp_path / "kivy-home")
    # Kivy writes its home on first start: once here, not by several children at once.
    subprocess.run([sys.executable, "-c", "import kivy"], cwd=ROOT, env=env, capture_output=True, check=False)
    modules = project_modules()
    done = subprocess.run(
        [sys.executable, "-c", FORK_EACH, str(tmp_path), *third_party(), "--", *modules],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    codes = json.loads(done.stdout.strip().splitlines()[-1])
    failed = [m for m in modules if codes.get(m) != 0]
    if failed:
        pytest.fail(
            "modules that do not import alone:\n"
            + "\n".join(f"--- {m} (exit {codes.get(m)})\n{errors_of(tmp_path, m)}" for m in failed),
            pytrace=False,
        )


def errors_of(tmp_path: Path, module: str) -> str:
    out = tmp_path / f"{module}.out"
    return out.read_text(errors="replace").strip()[-3000:] if out.exists() else ""


def third_party() -> list[str]:
    """The modules outside the project and the standard library that the project imports,
    Kivy's only as ``kivy`` (its submodules set up windows and clocks when imported)."""
    ours = {f.relative_to(ROOT).parts[0] for f in project_files()}
    found: set[str] = set()
    for path in project_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in ours and top not in sys.stdlib_module_names and top != "__future__":
                    found.add("kivy" if top == "kivy" else name)
    return sorted(found)


#: Run by a fresh interpreter: import the libraries, then fork a child per module that imports
#: it with its output in ``<dir>/<module>.out``, a few at a time; print {module: exit code}.
#: Parents first: a module its package's child had imported (listed in ``<package>.loaded``)
#: takes the package's exit code and output instead of a child of its own.
FORK_EACH = r"""
import importlib, json, os, shutil, sys, time, traceback
out_dir = sys.argv[1]
cut = sys.argv.index("--")
for lib in sys.argv[2:cut]:
    try:
        importlib.import_module(lib)
    except Exception:
        pass
modules = sorted(sys.argv[cut + 1:], key=lambda m: m.split("."))
ours = {x.split(".")[0] for x in modules}
assert not [m for m in sys.modules if m.split(".")[0] in ours]
parallel = max(2, (os.cpu_count() or 1) * 2)
running, codes, loaded = {}, {}, {}
def reap(block):
    pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
    if pid:
        module, _ = running.pop(pid)
        codes[module] = os.waitstatus_to_exitcode(status)
        try:
            with open(os.path.join(out_dir, module + ".loaded")) as f:
                loaded[module] = set(json.load(f))
        except (OSError, ValueError):
            loaded[module] = set()
    return pid
def out(module):
    return os.path.join(out_dir, module + ".out")
for module in modules:
    package = module.rpartition(".")[0]
    while package in {m for m, _ in running.values()}:
        reap(True)
    if module in loaded.get(package, ()):
        codes[module] = codes[package]
        shutil.copyfile(out(package), out(module))
        continue
    while len(running) >= parallel:
        reap(True)
    pid = os.fork()
    if pid == 0:
        fd = os.open(out(module), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        code = 0
        try:
            importlib.import_module(module)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        with open(os.path.join(out_dir, module + ".loaded"), "w") as f:
            json.dump([m for m in sys.modules if m.split(".")[0] in ours], f)
        os._exit(code)
    running[pid] = (module, time.monotonic())
while running:
    reap(True)
print(json.dumps(codes))
"""


def test_no_module_imports_a_private_name_of_another() -> None:
    """ruff's PLC2701 leaves out imports within one package (``from .api import _call``):
    those are checked here, for the packages and the tests."""
    found = []
    for path in [*project_files(), *sorted((ROOT / "tests").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        where = "." * node.level + (node.module or "")
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {where}")
    assert not found


def test_each_request_type_lives_in_the_module_of_its_prefix() -> None:
    from queue_server.handlers import HANDLERS

    misplaced = {
        t: h.fn.__module__
        for t, h in HANDLERS.items()
        if h.fn.__module__ != f"queue_server.handlers.{t.split('.', 1)[0]}"
    }
    assert not misplaced
