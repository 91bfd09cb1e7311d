"""Take a number like a kiosk does and print the ticket on the demo's printer simulator.

    .venv/bin/python scripts/demo_ticket.py [ITEM_CODE] [--green]

It talks to the running demo hall over ZeroMQ as the enrolled device kiosk-1 (CURVE), then
prints the slip over TCP to the ESC/POS simulator, which saves each page as a PNG: the same
slip the kiosk prints (``kiosk.slips``), taken without its screens; its QR code is the reply's
``page_url``, the ticket's phone page as the server gives it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.slips import ticket_slip  # noqa: E402
from printer import EscPosPrinter, open_transport, ticket  # noqa: E402
from protocol.client import HallClient, RequestFailed  # noqa: E402
from protocol.keys import CurveClientKeys  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("item", nargs="?", default="C-SB-001")
    ap.add_argument("--green", action="store_true", help="green channel (elderly, disabled, pregnant, servicemen)")
    ap.add_argument("--var", default=os.environ.get("HALL_VAR", "var/demo"))
    ap.add_argument("--router", default=os.environ.get("HALL_ROUTER", "tcp://127.0.0.1:5570"))
    ap.add_argument("--printer", default=os.environ.get("HALL_PRINTER", "tcp://127.0.0.1:19100"))
    args = ap.parse_args()
    keys = Path(args.var) / "keys"
    creds = CurveClientKeys.from_files(keys / "server.key", keys / "devices" / "kiosk-1.key_secret")
    with HallClient(args.router, curve=creds) as client:
        try:
            t = client.request("ticket.issue", {"item_code": args.item, **({"priority": "green"} if args.green else {})})
        except RequestFailed as e:
            print(f"{e.message_zh} / {e.message}", file=sys.stderr)
            return 1
        hall = client.request("hall.info", {})["name"]["zh"]  # the hall's configured name, as the kiosk prints
    slip = ticket_slip(t, hall, t["page_url"], ZoneInfo("Asia/Shanghai"))
    with EscPosPrinter(open_transport(args.printer), "generic-80") as printer:
        printer.print_document(ticket(slip, lang="zh+en"))
    print(f"{t['number']}  {t['item_name']['zh']} / {t['item_name']['en']}  前面 {t['position']} 人 / {t['position']} ahead")
    print(f"手机查看 / on a phone: {t['page_url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
