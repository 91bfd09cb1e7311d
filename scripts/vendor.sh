#!/usr/bin/env bash
# Front-end libraries of the web pages, from the npm registry, pinned, into
# queue_server/web/static/vendor/ (not committed: .gitignore). A hall's network has no
# internet, so the pages load them from the queue server itself, never from a CDN.
# Idempotent: nothing is fetched when the pinned versions are there (vendor/VERSIONS).
#
#   scripts/vendor.sh                     # install when missing
#   BOOTSTRAP_DRY_RUN=1 scripts/vendor.sh # only report
set -euo pipefail

# package@version  file in the package  → name in vendor/
PINS=(
    "htmx.org@2.0.11 dist/htmx.min.js htmx.min.js"
    "htmx-ext-sse@2.2.4 dist/sse.min.js sse.js"
    # the charts of the reports page (Apache ECharts, what Chinese government dashboards use)
    "echarts@6.1.0 dist/echarts.min.js echarts.min.js"
    # the accessibility check of the phone pages in the tests (not loaded by any page)
    "axe-core@4.14.1 axe.min.js axe.min.js"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/queue_server/web/static/vendor"
want="$(printf '%s\n' "${PINS[@]}")"
if [[ -f "$VENDOR/VERSIONS" && "$(cat "$VENDOR/VERSIONS")" == "$want" ]]; then
    exit 0
fi
if [[ "${BOOTSTRAP_DRY_RUN:-0}" != 0 ]]; then
    echo "vendor: would install ${PINS[*]} into $VENDOR"
    exit 0
fi
if ! command -v npm >/dev/null; then
    # Debian's nodejs comes without npm (NodeSource's has it, and conflicts with Debian's npm)
    [[ "$(id -u)" == 0 ]] || { echo "vendor: ERROR: npm is missing (apt-get install npm)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y --no-install-recommends npm >&2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
specs=()
for pin in "${PINS[@]}"; do specs+=("${pin%% *}"); done
echo "vendor: npm install ${specs[*]}"
npm install --prefix "$work" --no-save --no-audit --no-fund --ignore-scripts "${specs[@]}" >/dev/null
mkdir -p "$VENDOR.tmp"
for pin in "${PINS[@]}"; do
    read -r spec file name <<<"$pin"
    cp "$work/node_modules/${spec%@*}/$file" "$VENDOR.tmp/$name"
done
printf '%s\n' "$want" >"$VENDOR.tmp/VERSIONS"
rm -rf "$VENDOR"
mv "$VENDOR.tmp" "$VENDOR"
echo "vendor: installed into $VENDOR"
