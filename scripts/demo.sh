#!/usr/bin/env bash
# The whole hall on SQLite with simulated devices: `make demo` runs this after bootstrap.
# Everything listens on 127.0.0.1 only. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
VAR=${HALL_VAR:-var/demo}
DB="sqlite:///$VAR/hall.db"
HTTP=${HALL_HTTP:-127.0.0.1:8080}
PHONE_HTTP=${HALL_PHONE_HTTP:-127.0.0.1:8081}
ROUTER=${HALL_ROUTER:-tcp://127.0.0.1:5570}
PUB=${HALL_PUB:-tcp://127.0.0.1:5571}
PRINTER_PORT=${HALL_PRINTER_PORT:-19100}
mkdir -p "$VAR"

$PY -m queue_server init --db "$DB" --var "$VAR"
# A key file gone (a fresh var folder on an old database) means a new key pair: --replace.
[ -f "$VAR/keys/devices/kiosk-1.key" ] || $PY -m queue_server device enroll kiosk-1 --kind kiosk --replace --db "$DB" --var "$VAR" >/dev/null
[ -f "$VAR/keys/devices/board-1.key" ] || $PY -m queue_server device enroll board-1 --kind display --replace --db "$DB" --var "$VAR" >/dev/null
[ -f "$VAR/keys/devices/window-1.key" ] || $PY -m queue_server device enroll window-1 --kind display --replace --db "$DB" --var "$VAR" >/dev/null
[ -f "$VAR/keys/devices/pad-1.key" ] || $PY -m queue_server device enroll pad-1 --kind callpad --window 1 --replace --db "$DB" --var "$VAR" >/dev/null
[ -f "$VAR/clerk.token" ] || $PY -m queue_server token create --role clerk --clerk c01 --name "陈晓梅 c01" --db "$DB" --var "$VAR" >"$VAR/clerk.token"
[ -f "$VAR/health.token" ] || $PY -m queue_server token create --role clerk --clerk d-health --name "何静 d-health" --db "$DB" --var "$VAR" >"$VAR/health.token"
[ -f "$VAR/manager.token" ] || $PY -m queue_server token create --role manager --name manager --db "$DB" --var "$VAR" >"$VAR/manager.token"
# Web accounts (the console's sign-in), each with a new random password, kept in accounts.txt
# (0600) and shown below: "username password role".
# An account missing from the file (a demo made before it was added) is made now.
(umask 077; touch "$VAR/accounts.txt")
for account in "c01 clerk c01" "hejing reviewer d-health" "manager manager -" "admin admin -"; do
    set -- $account
    grep -q "^$1 " "$VAR/accounts.txt" && continue
    password=$($PY -c 'import secrets; print(secrets.token_urlsafe(9))')
    clerk=(); [ "$3" = - ] || clerk=(--clerk "$3")
    # An account of an earlier demo whose file is gone keeps its password: reset it at /accounts.
    echo "$password" | $PY -m queue_server user add "$1" --role "$2" "${clerk[@]}" --password-stdin --db "$DB" >/dev/null \
        && echo "$1 $password $2" >>"$VAR/accounts.txt"
done

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY -m queue_server serve --db "$DB" --var "$VAR" --http "$HTTP" --phone-http "$PHONE_HTTP" --router "$ROUTER" --pub "$PUB" &
pids+=($!)
# A ticket printer: the ESC/POS simulator on TCP $PRINTER_PORT saves every printed page as a PNG.
mkdir -p "$VAR/printer"
$PY -m printer simulate --tcp "$PRINTER_PORT" --host 127.0.0.1 --out "$VAR/printer" >"$VAR/printer/simulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  $PY -c "import urllib.request; urllib.request.urlopen('http://$HTTP/api/v1/health', timeout=1)" 2>/dev/null && break
  sleep 0.2
done

# The hall board (speaks calls; without a sound card the playback is logged to $VAR/voice/playback.jsonl)
# and the screen above window 1. With no DISPLAY they run offscreen.
$PY -m window_display board --router "$ROUTER" --pub "$PUB" --keys "$VAR/keys" --audio-dir "$VAR/voice" >"$VAR/board.log" 2>&1 &
pids+=($!)
# Staff photos as a hall posts them (<staff_no>.png), placeholders for the demo's clerks.
$PY scripts/demo_photos.py "$VAR/staff"
$PY -m window_display window --number 1 --router "$ROUTER" --pub "$PUB" --keys "$VAR/keys" --photos "$VAR/staff" >"$VAR/window-1.log" 2>&1 &
pids+=($!)

# The kiosk (Kivy; offscreen with no screen): simulated card reader, scanner and camera, its
# tickets on the printer simulator above.
cat >"$VAR/kiosk.toml" <<TOML
[kiosk]
id = "kiosk-1"
hall = "H01"
state_dir = "kiosk-state"
[server]
router = "$ROUTER"
pub = "$PUB"
server_key = "keys/server.key"
secret_key = "keys/devices/kiosk-1.key_secret"
[printer]
target = "tcp://127.0.0.1:$PRINTER_PORT"
[printer.a4]
target = "folder:certificates"
[devices.idcard]
kind = "idcard"
port = "simulated"
[devices.scanner]
kind = "scanner"
port = "simulated"
[devices.camera]
kind = "camera"
source = "synthetic:face"
TOML
$PY -m kiosk --config "$VAR/kiosk.toml" >"$VAR/kiosk.log" 2>&1 &
pids+=($!)

# Window 1's pads: byte-faithful simulators on pseudo-terminals (python -m devices simulate),
# pressed from outside by appending a line to a file: `echo next >> $VAR/callpad-1.keys`
# (next, start, recall, noshow, pause, resume, transfer 2), `echo 5 >> $VAR/evalpad-1.keys`.
PADS=$(realpath -m "$VAR")
for pad in callpad evalpad; do
    rm -f "$VAR/$pad-1.in"; mkfifo "$VAR/$pad-1.in"; : >>"$VAR/$pad-1.keys"
    $PY -m devices simulate "$pad" --link "$PADS/$pad-1.pty" $([ $pad = callpad ] && echo --window 1) \
        <"$VAR/$pad-1.in" >"$VAR/$pad-1.log" 2>&1 &
    pids+=($!)
    tail -n0 -F --pid=$! "$VAR/$pad-1.keys" >"$VAR/$pad-1.in" 2>/dev/null &
    pids+=($!)
done
# Window 1's agent: those pads, its slips (the console's one-time notices and receipts) on the
# printer simulator above.
cat >"$VAR/window-agent-1.toml" <<TOML
[agent]
window = 1
name = "pad-1"
var_dir = "pad-1"
[server]
router = "$ROUTER"
pub = "$PUB"
server_key = "keys/server.key"
secret_key = "keys/devices/pad-1.key_secret"
[devices.callpad]
port = "$PADS/callpad-1.pty"
[devices.evalpad]
port = "$PADS/evalpad-1.pty"
[printer]
target = "tcp://127.0.0.1:$PRINTER_PORT"
TOML
$PY -m devices window-agent --config "$VAR/window-agent-1.toml" >"$VAR/window-agent-1.log" 2>&1 &
pids+=($!)

export HALL_VAR="$VAR" HALL_ROUTER="$ROUTER" HALL_PRINTER="tcp://127.0.0.1:$PRINTER_PORT"
$PY scripts/demo_ticket.py C-SB-001 || echo "(could not print the first demo ticket; see $VAR/printer/simulator.log)"

cat <<MSG

  政务服务大厅演示 / Hall demo is running
  Staff pages       http://$HTTP/login   c01: the console of window 1; hejing: the health reviewer's tasks;
                    manager: the live dashboard and reports; admin: catalogue, set-up, devices, tokens, audit
$(sed 's/^\([^ ]*\) \([^ ]*\) \(.*\)$/                    \1 \/ \2   (\3)/' "$VAR/accounts.txt")
  Visitor's phone   http://$HTTP/m/   guides, booking, case progress, certificate check, complaints; a ticket's
                    live page is its page_url (the slip's QR code; scripts/demo_ticket.py prints it),
                    its live updates from http://$PHONE_HTTP
  REST API          http://$HTTP/api/v1/health   (OpenAPI: /api/v1/openapi.json)
  Live queue        http://$HTTP/api/v1/queue
  Take a number     .venv/bin/python scripts/demo_ticket.py C-SB-001   (a kiosk's request; the slip prints to $VAR/printer/*.png)
                    or: curl -X POST http://$HTTP/api/v1/tickets -H 'Content-Type: application/json' -d '{"item_code": "C-SB-001"}'
  Call next (clerk) curl -X POST http://$HTTP/api/v1/windows/1/call-next -H "Authorization: Bearer \$(cat $VAR/clerk.token)"
  A case (办件)      curl -X POST http://$HTTP/api/v1/cases -H "Authorization: Bearer \$(cat $VAR/clerk.token)" -H 'Content-Type: application/json' -d '{"item_code": "C-WJ-002", "id_number": "11010519491231002X", "name": "张三"}'
                    then /cases/ID/accept and /review (clerk), /decide '{"decision": "approved"}' (health reviewer: $VAR/health.token)
  Manager           $VAR/manager.token: /api/v1/cases/supervision, /api/v1/reports/dashboard, /api/v1/complaints
  Print at window 1 curl -X POST http://$HTTP/api/v1/windows/1/print -H "Authorization: Bearer \$(cat $VAR/clerk.token)" -H 'Content-Type: application/json' -d '{"document": "notice", "case": "CASE-ID"}'
                    (a case's one-time notice, on the printer simulator; GET the same URL: jobs not yet printed)
  Window agent      window 1's pads and printer: python -m devices window-agent --config $VAR/window-agent-1.toml (log $VAR/window-agent-1.log)
  Press the pads    echo next >> $VAR/callpad-1.keys   (start, recall, noshow, pause, resume, transfer 2; answers in $VAR/callpad-1.log)
                    echo 5 >> $VAR/evalpad-1.keys      (after a service completes: 5 非常满意 … 1 非常不满意)
  Device keys       $VAR/keys/devices/   (kiosk-1, board-1, window-1, pad-1; ZeroMQ $ROUTER / $PUB, CURVE)
  Kiosk             python -m kiosk --config $VAR/kiosk.toml (running; log $VAR/kiosk.log; with no screen
                    see it: .venv/bin/python -m kiosk --config $VAR/kiosk.toml --screenshot $VAR/kiosk-home.png)
  Displays          hall board + window 1 screen (logs $VAR/board.log, $VAR/window-1.log; voice log $VAR/voice/playback.jsonl)
  Ctrl-C stops the hall.

MSG
wait -n "${pids[@]}"
