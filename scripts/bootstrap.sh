#!/usr/bin/env bash
# Install whatever the project needs and is missing; do nothing when all is there.
#
#   scripts/bootstrap.sh                     # install missing Debian packages, build/update .venv
#   BOOTSTRAP_DRY_RUN=1 scripts/bootstrap.sh # only report what would be done
#
# Idempotent: a second run checks (dpkg-query, one hash) and touches nothing.
# Called by `make test` and `make demo`; safe to run concurrently (flock).
set -euo pipefail

# Debian packages, one group per line; add new ones to the group they belong to.
DEB_PACKAGES=(
    # Python: interpreter, venv (ensurepip), headers and compiler for wheels built from source
    python3 python3-venv python3-dev build-essential
    # PostgreSQL server and client: tests start their own throwaway cluster (tests/support/postgres.py)
    postgresql postgresql-client
    # Fonts: Chinese text on kiosk screens, tickets and window displays; WenQuanYi is the
    # one reportlab can embed in certificate PDFs
    fonts-noto-cjk fonts-wqy-microhei
    # Voice calling: offline Mandarin speech
    espeak-ng
    # Printing: CUPS (raw queues for tickets, A4 certificates) and pdftoppm for previews
    cups poppler-utils
    # OpenGL/EGL and multitouch input for the kiosk UI
    libegl1 libegl-mesa0 libgl1-mesa-dri libmtdev1
    # The README's commands: curl for the API, watch (procps) to follow the queue
    curl procps
    # The web pages: Node fetches htmx into the package's static folder (scripts/vendor.sh;
    # npm itself is Debian's package npm, or part of NodeSource's nodejs, with which Debian's
    # npm conflicts: vendor.sh installs it only when missing); Chromium runs the pages'
    # browser tests (Playwright drives Debian's, not its own download)
    nodejs chromium
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/requirements.txt"
STAMP="$VENV/.requirements.stamp"
DRY_RUN="${BOOTSTRAP_DRY_RUN:-0}"
[[ "$DRY_RUN" == 0 || "$DRY_RUN" == "" ]] && DRY_RUN=0 || DRY_RUN=1

say() { echo "bootstrap: $*"; }
die() { echo "bootstrap: ERROR: $*" >&2; exit 1; }

# One bootstrap at a time per checkout (make test may run in parallel in one tree).
if command -v flock >/dev/null 2>&1; then
    lock="${TMPDIR:-/tmp}/hall-bootstrap.$(id -u).$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).lock"
    exec 9>"$lock"
    flock 9
fi

todo=0

# --- 1. Debian packages --------------------------------------------------------
missing=()
declare -A installed=()
while read -r pkg status; do
    [[ "$status" == "install ok installed" ]] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${DEB_PACKAGES[@]}" 2>/dev/null || true)
for pkg in "${DEB_PACKAGES[@]}"; do
    [[ -n "${installed[$pkg]:-}" ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
    todo=1
    if ((DRY_RUN)); then
        say "would apt-get install: ${missing[*]}"
    elif [[ "$(id -u)" != 0 ]]; then
        die "missing Debian packages: ${missing[*]}
    install them as root, then run this again:
    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    else
        say "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt_opts=(-q -o DPkg::Lock::Timeout=600)  # wait for another apt/dpkg instead of failing
        apt-get "${apt_opts[@]}" update
        apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"
    fi
fi

# --- 2. virtualenv -----------------------------------------------------------
if [[ -x "$VENV/bin/python" ]] && ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
    todo=1
    if ((DRY_RUN)); then
        say "would recreate $VENV (its python does not run)"
    else
        say "$VENV is broken (its python does not run): removing it"
        rm -rf "$VENV"
    fi
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    todo=1
    if ((DRY_RUN)); then
        say "would create $VENV"
    else
        PYTHON="$(command -v python3 || true)"
        [[ -n "$PYTHON" ]] || die "python3 not found on PATH (Debian package python3)"
        say "creating $VENV with $PYTHON ($("$PYTHON" --version 2>&1))"
        if ! "$PYTHON" -m venv "$VENV"; then
            rm -rf "$VENV"
            die "'$PYTHON -m venv' failed; on Debian it needs the package python3-venv"
        fi
    fi
fi

# --- 3. Python packages (only when requirements.txt changed) --------------------
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
    todo=1
    if ((DRY_RUN)); then
        say "would pip install -r requirements.txt (changed since the last install)"
    else
        say "pip install -r requirements.txt"
        "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
            -r "$REQUIREMENTS"
        echo "$want" >"$STAMP"
    fi
fi

# --- 4. front-end libraries of the web pages (pinned, from npm; not committed) ---
vendor_said="$(bash "$ROOT/scripts/vendor.sh")" || die "the front-end libraries could not be installed (scripts/vendor.sh)"
if [[ -n "$vendor_said" ]]; then
    todo=1
    echo "$vendor_said"
fi

if ((todo == 0)); then
    say "nothing missing (${#DEB_PACKAGES[@]} Debian packages, .venv up to date)"
elif ((DRY_RUN == 0)); then
    say "done"
fi
