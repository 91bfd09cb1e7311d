"""The regression corpus of bad inputs ("the hall never goes down").

Every request a tester broke the hall with, and their kin, as data: one ``BadInput`` each,
with the HTTP request and the ZeroMQ request that carry it. ``test_bad_inputs.py`` sends
every entry to the REST API and to the ROUTER socket of one real server process and checks
the answer: the expected error code (never a 5xx / ``internal``), an English and a Chinese
message, the ``secret`` (personal data) quoted nowhere: not in the reply, the server's log
or its database; and the hall still answering afterwards.

Bodies are raw JSON text, sent as they are (``json.dumps`` could not even write most of
them): on HTTP as the request body, on ZeroMQ spliced into the frame as its ``body``.
``{item}`` stands for a citizen item code of the catalogue, ``{today}`` for today's date.

Add an entry for every bad input found from now on.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A valid ID number (check character X): personal data wherever it lands.
ID = "11010519491231002X"
#: Valid check characters, no such person (computed with protocol.idnumber.check_char).
MONTH_13 = "110105199013010026"
FEBRUARY_30 = "110105199002300028"
BORN_2099 = "110105209901010020"
BORN_1800 = "110105180001010029"
REGION_000000 = "000000199001010026"
OLD_15_DIGITS = "110105491231002"
FULL_WIDTH_ID = "\uff11\uff11\uff10\uff11\uff10\uff15\uff11\uff19\uff14\uff19\uff11\uff12\uff13\uff11\uff10\uff10\uff12X"

CASE = "NS-20260101-000001"  # well formed; no such case
TICKET = "H01-20260101-A001"  # well formed; no such ticket
CERTIFICATE = "PHYSICIAN_LICENCE-H01-20260101-000001"

DEEP = b"[" * 30_000 + b"]" * 30_000  # json.loads: RecursionError; 60 kB, under both size limits
DIGITS_5000 = "1" * 5000  # int() refuses strings of more than 4300 digits
ARABIC_3 = "\u0663"  # ٣, ARABIC-INDIC DIGIT THREE: str.isdigit() and int() take it


@dataclass(frozen=True)
class Http:
    method: str
    path: str  # under /api/v1; non-ASCII is sent percent-encoded as UTF-8
    body: bytes | None = None  # sent as application/json
    role: str | None = None  # token of "clerk" (c01), "manager" or "admin"; None: the public
    headers: tuple[tuple[str, str], ...] = ()
    code: str = "bad_request"


@dataclass(frozen=True)
class Wire:
    type: str
    body: bytes  # the frame's "body", as raw JSON text
    device: str = "kiosk"  # "kiosk", or "pad" (the call pad of window 3)
    code: str = "bad_request"


@dataclass(frozen=True)
class BadInput:
    name: str
    http: Http | None
    wire: Wire | None
    secret: str | None = None  # must appear in no reply, log line or database row


def both(
    name: str,
    path: str,
    type_: str,
    body: bytes,
    *,
    role: str | None = None,
    http_code: str = "bad_request",
    wire_code: str = "bad_request",
    secret: str | None = None,
) -> BadInput:
    """The same body POSTed to ``path`` and sent as a ``type_`` request by a kiosk."""
    return BadInput(name, Http("POST", path, body, role, code=http_code), Wire(type_, body, code=wire_code), secret)


def _id_body(number: str) -> bytes:
    return b'{"item_code": "{item}", "id_number": "' + number.encode() + b'"}'


BAD_INPUTS: list[BadInput] = [
    # ---- the strict parser: lone surrogates, NaN, Infinity, overflow, deep nesting
    both("lone surrogate in item_code", "/tickets", "ticket.issue", b'{"item_code": "\\ud800"}'),
    both("lone low surrogate in item_code", "/tickets", "ticket.issue", b'{"item_code": "x\\udc00"}'),
    both(
        "lone surrogate in an appointment's name",
        "/appointments",
        "appointment.book",
        b'{"item_code": "{item}", "day": "{today}", "slot": "09:00", "id_number": "' + ID.encode()
        + b'", "name": "\\ud83d"}',
        secret=ID,
    ),
    both(
        "lone surrogate in a notice",
        "/notices",
        "hall.set_notices",
        b'{"notices": [{"zh": "\\ud800", "en": "x"}]}',
        role="manager",
    ),
    both("NaN", "/tickets", "ticket.issue", b'{"item_code": NaN}'),
    both("Infinity", "/tickets", "ticket.issue", b'{"item_code": "{item}", "priority": Infinity}'),
    both("-Infinity", "/tickets/" + TICKET + "/rate", "ticket.rate", b'{"ticket": "' + TICKET.encode() + b'", "level": -Infinity}'),
    both("1e999", "/tickets", "ticket.issue", b'{"item_code": 1e999}'),
    both("30,000 nested [", "/tickets", "ticket.issue", b'{"item_code": ' + DEEP + b"}"),
    both("30,000 nested [ as the body", "/complaints", "complaint.file", DEEP),
    both("an integer of 5,000 digits", "/complaints", "complaint.file", b'{"text": "x", "n": ' + DIGITS_5000.encode() + b"}"),
    both("a JSON array, not an object", "/tickets", "ticket.issue", b"[1, 2]"),
    BadInput("not UTF-8", Http("POST", "/tickets", b'{"item_code": "\xff"}'), Wire("ticket.issue", b'{"item_code": "\xff"}')),
    BadInput(
        "a body over 64 KiB",
        Http("POST", "/complaints", b'{"text": "' + b"x" * 70_000 + b'"}', code="too_large"),
        Wire("complaint.file", b'{"text": "' + b"x" * 70_000 + b'"}', code="too_large"),
    ),
    # ---- text: control characters, bidirectional controls, noncharacters
    both(
        "NUL in an appointment's name",
        "/appointments",
        "appointment.book",
        b'{"item_code": "{item}", "day": "{today}", "slot": "09:00", "id_number": "' + ID.encode()
        + b'", "name": "\\u5f20\\u0000\\u4e09"}',
        secret=ID,
    ),
    both(
        "U+202E in an appointment's name",
        "/appointments",
        "appointment.book",
        b'{"item_code": "{item}", "day": "{today}", "slot": "09:00", "id_number": "' + ID.encode()
        + b'", "name": "\\u202e\\u5f20\\u4e09"}',
        secret=ID,
    ),
    both(
        "U+202E in a notice",
        "/notices",
        "hall.set_notices",
        b'{"notices": [{"zh": "\\u4eca\\u65e5\\u202e\\u505c\\u6b62\\u53d6\\u53f7", "en": "Closed"}]}',
        role="manager",
        wire_code="forbidden",  # a kiosk may not set notices: refused before the body is read
    ),
    both("NUL in a notice", "/notices", "hall.set_notices", b'{"notices": [{"zh": "x", "en": "a\\u0000b"}]}',
         role="manager", wire_code="forbidden"),
    both("U+202E in a complaint", "/complaints", "complaint.file", b'{"text": "\\u7a97\\u53e3\\u202e\\u6001\\u5ea6"}'),
    both("NUL in a complaint", "/complaints", "complaint.file", b'{"text": "\\u7a97\\u53e3\\u0000"}'),
    both("C1 control U+0085 in a complaint", "/complaints", "complaint.file", b'{"text": "a\\u0085b"}'),
    both("U+2067 isolate in a complaint", "/complaints", "complaint.file", b'{"text": "a\\u2067b"}'),
    both("noncharacter U+FFFE in a complaint", "/complaints", "complaint.file", b'{"text": "a\\ufffeb"}'),
    both("ID number as a complaint's phone", "/complaints", "complaint.file",
         b'{"text": "x", "phone": "' + ID.encode() + b'"}', secret=ID),
    both("Arabic-Indic digits in a complaint's phone", "/complaints", "complaint.file",
         b'{"text": "x", "phone": "1' + (ARABIC_3 * 10).encode() + b'"}'),
    both("a complaint's phone as a number", "/complaints", "complaint.file", b'{"text": "x", "phone": 13812345678}'),
    both("ID number as a complaint's category", "/complaints", "complaint.file",
         b'{"text": "x", "phone": "13812345678", "category": "' + ID.encode() + b'"}', secret=ID),
    both("a complaint's category as an object", "/complaints", "complaint.file",
         b'{"text": "x", "phone": "13812345678", "category": {"zh": "\\u670d\\u52a1\\u6001\\u5ea6"}}'),
    both("escape ESC in a comment", "/tickets/" + TICKET + "/rate", "ticket.rate",
         b'{"ticket": "' + TICKET.encode() + b'", "level": 5, "comment": "\\u001b[2J"}'),
    BadInput(
        "a line break in a one-line pause reason",
        Http("POST", "/windows/1/pause", b'{"reason": "rest\\nnow"}', role="manager"),
        Wire("window.pause", b'{"window": 3, "reason": "rest\\u2028now"}', device="pad"),
    ),
    # ---- digits that are not ASCII, numbers out of range
    BadInput(
        "Arabic-Indic digit in a window path",
        Http("POST", f"/windows/{ARABIC_3}/call-next", role="clerk", code="not_found"),
        Wire("window.call_next", b'{"window": "' + ARABIC_3.encode() + b'"}', device="pad"),
    ),
    BadInput(
        "full-width digit in a window path",
        Http("POST", "/windows/\uff13/pause", role="manager", code="not_found"),
        Wire("window.pause", b'{"window": "\\uff13"}', device="pad"),
    ),
    BadInput(
        "20-digit window number",
        Http("POST", "/windows/99999999999999999999/call-next", role="manager", code="not_found"),
        Wire("window.call_next", b'{"window": 99999999999999999999}', device="pad"),
    ),
    BadInput(
        "window 0",
        Http("POST", "/windows/0/call-next", role="manager"),
        Wire("window.call_next", b'{"window": 0}', device="pad"),
    ),
    BadInput(
        "a boolean for a window",
        Http("POST", f"/cases/{CASE}/accept", b'{"window": true}', role="clerk"),
        Wire("window.call_next", b'{"window": true}', device="pad"),
    ),
    BadInput(
        "2^63 page number",
        Http("GET", f"/cases/{CASE}/pages/9223372036854775808", role="clerk", code="not_found"),
        Wire("case.notice_slip", b'{"case": "' + CASE.encode() + b'", "notice": 9223372036854775808}'),
    ),
    BadInput(
        "Arabic-Indic digits in ?limit=",
        Http("GET", f"/queue?limit={ARABIC_3 * 2}"),
        Wire("queue.state", b'{"limit": "' + (ARABIC_3 * 2).encode() + b'"}'),
    ),
    BadInput(
        "superscript digit in ?have_version=",
        Http("GET", "/catalogue?have_version=\u00b2"),
        Wire("catalogue.get", b'{"have_version": "\\u00b2"}'),
    ),
    BadInput(
        "5,000-digit ?limit=",
        Http("GET", f"/queue?limit={DIGITS_5000}"),
        Wire("queue.state", b'{"limit": "' + DIGITS_5000.encode() + b'"}'),
    ),
    BadInput(
        "5,000-digit ?limit= of a manager's list",
        Http("GET", f"/complaints?limit={DIGITS_5000}", role="manager"),
        Wire("queue.state", b'{"limit": ' + ("9" * 4000).encode() + b"}"),
    ),
    BadInput(
        "11-digit ?limit= of the supervision list",
        Http("GET", "/cases/supervision?limit=99999999999", role="manager"),
        Wire("queue.snapshot", b'{"waiting_limit": 2147483648}'),
    ),
    BadInput(
        "Arabic-Indic digit in ?notice=",
        Http("GET", f"/cases/{CASE}/notice-slip?notice={ARABIC_3}", role="clerk"),
        Wire("ticket.rate", b'{"ticket": "' + TICKET.encode() + b'", "level": "' + ARABIC_3.encode() + b'"}'),
    ),
    both("level 6", "/tickets/" + TICKET + "/rate", "ticket.rate", b'{"ticket": "' + TICKET.encode() + b'", "level": 6}'),
    both("level as a word", "/tickets/" + TICKET + "/rate", "ticket.rate",
         b'{"ticket": "' + TICKET.encode() + b'", "level": "five"}'),
    BadInput(
        "overdue=maybe",
        Http("GET", "/follow-ups?overdue=maybe", role="manager"),
        Wire("case.progress", b'{"case": "' + CASE.encode() + b'", "code": true}'),
    ),
    # ---- ID numbers: valid check character, no such person; never quoted back
    both("ID number born in month 13", "/tickets", "ticket.issue", _id_body(MONTH_13), secret=MONTH_13),
    both("ID number born on 30 February", "/tickets", "ticket.issue", _id_body(FEBRUARY_30), secret=FEBRUARY_30),
    both("ID number born in 2099", "/tickets", "ticket.issue", _id_body(BORN_2099), secret=BORN_2099),
    both("ID number born in 1800", "/tickets", "ticket.issue", _id_body(BORN_1800), secret=BORN_1800),
    both("ID number of region 000000", "/tickets", "ticket.issue", _id_body(REGION_000000), secret=REGION_000000),
    both("old 15-digit ID number", "/tickets", "ticket.issue", _id_body(OLD_15_DIGITS), secret=OLD_15_DIGITS),
    both("ID number with a wrong check digit", "/cases/online", "case.submit_online",
         b'{"item_code": "{item}", "id_number": "110105194912310021", "name": "x"}',
         secret="110105194912310021"),
    both("ID number in full-width digits", "/tickets", "ticket.issue", _id_body(FULL_WIDTH_ID), secret=FULL_WIDTH_ID),
    # ---- ID numbers typed into the wrong field: refused without echo, or masked
    both("ID number in item_code", "/tickets", "ticket.issue", b'{"item_code": "' + ID.encode() + b'"}', secret=ID),
    BadInput(
        "ID number as a ticket id",
        Http("GET", f"/tickets/{ID}?token=abc"),
        Wire("ticket.status", b'{"ticket": "' + ID.encode() + b'"}'),
        secret=ID,
    ),
    BadInput(
        "ID number as a case number",
        Http("GET", f"/cases/{ID}/progress?code=ABCDEF"),
        Wire("case.progress", b'{"case": "' + ID.encode() + b'", "code": "ABCDEF"}'),
        secret=ID,
    ),
    BadInput(
        "ID number as a page's case number",
        Http("GET", f"/cases/{ID}/pages/1", role="clerk"),
        Wire("case.withdraw_online", b'{"case": "' + ID.encode() + b'"}'),
        secret=ID,
    ),
    BadInput(
        "ID number as an appointment code",
        Http("POST", f"/appointments/{ID}/check-in"),
        Wire("appointment.cancel", b'{"code": "' + ID.encode() + b'", "id_number": "' + ID.encode() + b'"}'),
        secret=ID,
    ),
    BadInput(
        "ID number as a service item in a path",
        Http("GET", f"/catalogue/items/{ID}"),
        Wire("appointment.slots", b'{"item_code": "' + ID.encode() + b'"}'),
        secret=ID,
    ),
    BadInput(
        "ID number as a complaint number",
        Http("GET", f"/complaints/{ID}", role="manager"),
        Wire("complaint.file", b'{"text": "x", "phone": "13812345678", "case": "' + ID.encode() + b'"}'),
        secret=ID,
    ),
    BadInput(
        "ID number as an evaluation id (which may be any 1 to 64 letters and digits)",
        Http("POST", f"/follow-ups/{ID}/answer", b'{"answer": "ok"}', role="manager"),
        Wire("certificate.verify", b'{"number": "' + ID.encode() + b'", "code": "ABC"}'),
        secret=ID,
    ),
    BadInput(
        "ID number as a certificate number",
        Http("GET", f"/certificates/{ID}?code=ABCDEF1234"),
        Wire("certificate.verify", b'{"number": "' + ID.encode() + b'", "code": "ABCDEF1234"}'),
        secret=ID,
    ),
    both("ID number as a priority", "/tickets", "ticket.issue", b'{"item_code": "{item}", "priority": "' + ID.encode() + b'"}',
         secret=ID),
    BadInput(
        "ID number as a clerk id (which may be any 1 to 32 letters and digits)",
        Http("GET", f"/cases/mine?clerk={ID}", role="manager"),
        Wire("ticket.status", b'{"ticket": "' + TICKET.encode() + b'", "token": "' + ID.encode() + b'"}'),
        secret=ID,
    ),
    BadInput(
        "a clerk id that is not ASCII",
        Http("GET", "/cases/mine?clerk=c%ED%A0%80", role="manager"),
        Wire("case.mine", b'{"clerk": "c\\u0660\\u0661"}', code="forbidden"),  # kiosks have no cases of their own
    ),
    # ---- check codes, tokens and other codes that are not ASCII
    BadInput(
        "Arabic-Indic check code",
        Http("GET", f"/cases/{CASE}/progress?code={ARABIC_3 * 6}"),
        Wire("case.progress", b'{"case": "' + CASE.encode() + b'", "code": "' + (ARABIC_3 * 6).encode() + b'"}'),
    ),
    BadInput(
        "Chinese check code for a withdrawal",
        Http("POST", f"/cases/{CASE}/withdraw", b'{"code": "\\u67e5\\u8be2\\u7801"}'),
        Wire("case.withdraw_online", b'{"case": "' + CASE.encode() + b'", "code": "\\u67e5\\u8be2\\u7801"}'),
    ),
    BadInput(
        "lone surrogate (percent-encoded) in a check code",
        Http("GET", f"/cases/{CASE}/progress?code=%ED%A0%80"),
        Wire("case.supplement_online", b'{"case": "' + CASE.encode() + b'", "code": "\\udfff", "materials": ["x"]}'),
    ),
    both("non-ASCII slip token", "/tickets/" + TICKET + "/rate", "ticket.rate",
         b'{"ticket": "' + TICKET.encode() + b'", "level": 5, "token": "\\u4ee4\\u724c"}'),
    BadInput(
        "non-ASCII certificate verification code",
        Http("GET", f"/certificates/{CERTIFICATE}?code=\u00e9"),
        Wire("certificate.verify", b'{"number": "' + CERTIFICATE.encode() + b'", "code": "\\u00e9"}'),
    ),
    BadInput(
        "Arabic-Indic digits in an Idempotency-Key",
        Http("POST", "/tickets", b'{"item_code": "{item}"}', headers=(("Idempotency-Key", ARABIC_3 * 8),)),
        Wire("page.status", b'{"sha256": "' + ("\\uff41" * 64).encode() + b'"}'),
    ),
    BadInput(
        "full-width date",
        Http("GET", "/appointments/slots?item_code={item}&day=\uff12\uff10\uff12\uff16-01-01"),
        Wire("appointment.slots", b'{"item_code": "{item}", "day": "2026-02-30"}'),
    ),
    BadInput(
        "a material code in Chinese",
        Http("POST", "/cases/online", b'{"item_code": "{item}", "id_number": "360426199101010071", '
             b'"materials": ["\\u8eab\\u4efd\\u8bc1"]}'),
        Wire("case.submit_online", b'{"item_code": "{item}", "id_number": "360426199101010071", "materials": "id_card"}'),
        secret="360426199101010071",
    ),
    # ---- sizes and types
    both("item_code of 1,000 characters", "/tickets", "ticket.issue", b'{"item_code": "' + b"C" * 1000 + b'"}'),
    both("a complaint of 2,001 characters", "/complaints", "complaint.file", b'{"text": "' + b"x" * 2001 + b'"}'),
    both(
        "a name of 51 characters",
        "/appointments",
        "appointment.book",
        b'{"item_code": "{item}", "day": "{today}", "slot": "09:00", "id_number": "' + ID.encode()
        + b'", "name": "' + "张".encode() * 51 + b'"}',
        secret=ID,
    ),
    both("item_code as a number", "/tickets", "ticket.issue", b'{"item_code": 7}'),
    both("item_code as an object", "/tickets", "ticket.issue", b'{"item_code": {"code": "C-SB-001"}}'),
    both("id_number as a number", "/tickets", "ticket.issue", b'{"item_code": "{item}", "id_number": 110105194912310020}'),
    both("notices as a string", "/notices", "hall.set_notices", b'{"notices": "closed"}', role="manager",
         wire_code="forbidden"),
    both("agent as a string", "/cases/online", "case.submit_online",
         b'{"item_code": "{item}", "id_number": "360426199101010071", "agent": "me"}',
         secret="360426199101010071"),
    # ---- the kiosk's own requests: help calls, device health, the visitor, typed fields
    BadInput("a help call's reason with U+202E", None, Wire("kiosk.help", b'{"reason": "\\u202e\\u6551\\u547d"}')),
    BadInput("a help call's reason of 101 characters", None, Wire("kiosk.help", b'{"reason": "' + b"x" * 101 + b'"}')),
    BadInput("a device health status nobody knows", None,
             Wire("device.health", b'{"device": "printer", "kind": "printer", "status": "on_fire"}')),
    BadInput("an ID number as a device name", None,
             Wire("device.health", b'{"device": "' + ID.encode() + b'", "kind": "printer", "status": "ok"}'), secret=ID),
    BadInput("a device health time that is no time", None,
             Wire("device.health", b'{"device": "printer", "kind": "printer", "status": "ok", "at": "soon"}')),
    BadInput("a visitor looked up by an impossible ID number", None,
             Wire("visitor.lookup", b'{"id_number": "' + MONTH_13.encode() + b'"}'), secret=MONTH_13),
    BadInput("a prefill with the ID number as a number", None,
             Wire("case.prefill", b'{"id_number": 110105194912310020, "item_code": "C-SB-001"}')),
    both("application fields as a string", "/cases/online", "case.submit_online",
         b'{"item_code": "C-SB-001", "id_number": "360426199101010071", "fields": "13812345678"}',
         secret="360426199101010071"),
    both("an ID number typed into an application's phone field", "/cases/online", "case.submit_online",
         b'{"item_code": "C-SB-001", "id_number": "360426199101010071", "fields": {"phone": "' + ID.encode()
         + b'", "address": "x", "insurance_type": "rural_resident", "contribution_grade": "g200"}}',
         secret=ID),
    both("an application field the item does not have, named by an ID number", "/cases/online", "case.submit_online",
         b'{"item_code": "C-SB-001", "id_number": "360426199101010071", "fields": {"' + ID.encode() + b'": "x"}}',
         secret=ID),
    # ---- the catalogue has its own loader: refused, never a crash
    BadInput(
        "a catalogue whose items are a string",
        Http("POST", "/catalogue", b'{"items": "x"}', role="admin"),
        Wire("catalogue.publish", b'{"document": {"items": "x"}}', code="forbidden"),
    ),
    BadInput(
        "a catalogue item named with U+202E and NUL",
        Http("POST", "/catalogue", b'{"hall_name": {"zh": "\\u202e\\u0000", "en": "x"}, "items": [{"code": "\\u0000"}]}',
             role="admin"),
        Wire("catalogue.publish", b'{"document": []}', code="forbidden"),
    ),
]
