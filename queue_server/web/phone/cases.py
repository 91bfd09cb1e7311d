"""Case progress (办件进度) on the visitor's phone: the acceptance receipt's QR code, or the
case number and check code typed in. The page shows every step with its officer, the
promised date and the deadline in words, what is still owed under the one-time notice
(一次性告知), the result and where to collect it; it takes an online supplement where the item
allows one, and the rating (好差评) once the result is handed out.

Names come from the published catalogue (material, department, certificate type), never a
code, which a visitor cannot read.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from protocol.fields import CASE_ID

from ...handlers.codes import CODE_ALPHABET
from ...service import Outcome
from ..views import catalogue, hall_loop
from ..words import CARDS, CASE_STATE_EN
from . import ask, phone, refusal

#: A case number (protocol/fields.py CASE_ID) and a check code of the receipt's alphabet
#: (queue_server/handlers/codes.py): a form that cannot be right is answered here, without
#: asking the hall.
CASE_FORM = CASE_ID.regex
CODE_FORM = re.compile(f"[{re.escape(CODE_ALPHABET)}]{{6}}")

#: A step's action in words (queue_server/cases/lifecycle.py records them).
ACTIONS: dict[str, tuple[str, str]] = {
    "submit": ("提交申请", "Application submitted"),
    "accept": ("受理", "Accepted"),
    "accept_commitment": ("告知承诺受理", "Accepted on commitment"),
    "refuse": ("不予受理", "Not accepted"),
    "issue_notice": ("一次性告知：需补正材料", "One-time notice: materials needed"),
    "supplement": ("补正材料", "Materials supplemented"),
    "start_review": ("转部门审批", "Sent for review"),
    "approve": ("审批通过", "Approved"),
    "reject": ("不予批准", "Not approved"),
    "result_ready": ("办理结果待领取", "Result ready for collection"),
    "hand_out": ("已出件", "Result handed out"),
    "close": ("办结", "Closed"),
    "withdraw": ("撤回申请", "Application withdrawn"),
}
CHANNELS = {
    "window": ("窗口", "at a window"),
    "kiosk": ("自助终端", "at a kiosk"),
    "online": ("网上", "online"),
    "back_office": ("后台", "back office"),
}
#: 好差评, five levels (DESIGN.md: Evaluation).
LEVELS = [
    (5, "非常满意", "Very satisfied"),
    (4, "满意", "Satisfied"),
    (3, "基本满意", "Fairly satisfied"),
    (2, "不满意", "Dissatisfied"),
    (1, "非常不满意", "Very dissatisfied"),
]
#: After these the result is out (or the case is over): the visitor may rate the service.
RATEABLE = ("handed_out", "closed")
DONE = {
    "supplemented": ("补正材料已提交，请等待窗口审核", "Your materials are in; the window will check them"),
    "rated": ("感谢您的评价", "Thank you for your rating"),
}


def _form_error(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _lookup_page(case_id: str = "", error: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("phone/case_lookup.html", case_id=case_id, error=error), status


@phone.get("/case")
def case_lookup():  # type: ignore[no-untyped-def]
    return _lookup_page(request.args.get("case", "").strip().upper()[:40])


@phone.post("/case")
def case_find():  # type: ignore[no-untyped-def]
    """The typed case number and check code, checked for their form, then to the case's page
    (post/redirect/get: the page's URL is the one the receipt's QR code opens)."""
    case_id = request.form.get("case", "").strip().upper()[:40]
    code = request.form.get("code", "").strip().upper()[:20]
    if not CASE_FORM.fullmatch(case_id):
        return _lookup_page(case_id, _form_error(
            "办件编号格式不对：应如 NS-20261126-000001（见受理回执）",
            "The case number looks like NS-20261126-000001 (see the receipt)"), 400)  # fmt: skip
    if not CODE_FORM.fullmatch(code):
        return _lookup_page(case_id, _form_error(
            "查询码为受理回执上的 6 位字母和数字（没有 0、O、1、I）",
            "The check code is the 6 letters and digits on the receipt (no 0, O, 1 or I)"), 400)  # fmt: skip
    return redirect(url_for("phone.case_page", case_id=case_id, code=code), 303)


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, hall_loop().service.engine.tz).strftime("%Y-%m-%d %H:%M")


def _names() -> dict[str, Any]:
    """The catalogue's names the page needs: departments and certificate types."""
    cat = catalogue()
    return {
        "departments": {code: d.name for code, d in cat.departments.items()},
        "cert_types": {code: t.name for code, t in cat.e_certificate_types.items()},
    }


def _step_view(step: dict[str, Any], departments: dict[str, Any]) -> dict[str, Any]:
    action = step["action"]
    if action.startswith("decide:"):
        dept = departments.get(action.split(":", 1)[1])
        zh, en = (f"{dept.zh}审批" if dept else "部门审批"), (f"Reviewed by {dept.en}" if dept else "Reviewed")
    else:
        zh, en = ACTIONS.get(action, (step["state_zh"], CASE_STATE_EN.get(step["state"], step["state"])))
    return {
        "zh": zh,
        "en": en,
        "when": _when(step["at"]),
        "channel": CHANNELS.get(step["channel"]),
        "window": step["window"],
        "officer": step["officer"],
        "materials": step.get("materials") or [],
        # a refusal's or rejection's reason, which the visitor must read; other notes are codes
        "reason": step["note"] if action in ("refuse", "reject") or action.startswith("decide:") else "",
    }


def _case_view(p: dict[str, Any], code: str) -> dict[str, Any]:
    names = _names()
    item = catalogue().items.get(p["item"])
    steps = [_step_view(s, names["departments"]) for s in p["steps"]]
    hand_out = next((s for s in reversed(p["steps"]) if s["action"] == "hand_out"), None)
    return {
        "p": p,
        "code": code,
        "state_en": CASE_STATE_EN.get(p["state"], p["state"]),
        "card": CARDS.get(p["card"]) if p["card"] else None,
        "steps": steps,
        # 全程网办 items take a 补正 online; any other brings the materials to the hall
        "online_supplement": bool(item and item.flags.online) and p["state"] == "waiting_materials",
        "rateable": p["state"] in RATEABLE,
        "handed_out": {"when": _when(hand_out["at"]), "channel": CHANNELS.get(hand_out["channel"])}
        if hand_out
        else None,
        "certificates": [
            {
                "number": c["number"],
                "type": names["cert_types"].get(c["type"]),
                "url": c["verification_url"],
            }
            for c in p["certificates"]
        ],
        "departments": names["departments"],
        "levels": LEVELS,
        "form_key": uuid.uuid4().hex[:16],
    }


def _case_page(
    case_id: str, code: str, *, error: dict[str, str] | None = None, status: int = 200, kept: dict[str, Any] | None = None
) -> Any:
    """The case's page; a refusal of the progress itself (wrong code, throttled) shows the
    lookup form again, as if there were no such case."""
    got = ask("case.progress", {"case": case_id, "code": code})
    if not got.ok:
        return _refused_lookup(case_id, got)
    done = DONE.get(request.args.get("done", ""))
    view = _case_view(got.body, code)
    return render_template("phone/case.html", **view, error=error, done=done, kept=kept or {}), status


def _refused_lookup(case_id: str, got: Outcome) -> tuple[str, int]:
    status = {"not_found": 404, "too_many_requests": 429, "bad_request": 400}.get(got.code or "", 503)
    return _lookup_page(case_id if CASE_FORM.fullmatch(case_id) else "", refusal(got), status)


@phone.get("/case/<case_id>")
def case_page(case_id: str):  # type: ignore[no-untyped-def]
    return _case_page(case_id.upper()[:40], request.args.get("code", "").strip().upper()[:20])


def _back(case_id: str, code: str, done: str) -> Response:
    return redirect(url_for("phone.case_page", case_id=case_id, code=code, done=done), 303)


@phone.post("/case/<case_id>/supplement")
def case_supplement(case_id: str):  # type: ignore[no-untyped-def]
    """补正 online: the owed materials the visitor ticks (case.supplement_online)."""
    code = request.form.get("code", "").strip().upper()[:20]
    materials = [m for m in request.form.getlist("material") if m][:50]
    if not materials:
        return _case_page(case_id, code, status=400, error=_form_error(
            "请勾选您已补齐的材料", "Tick the materials you are handing in"))  # fmt: skip
    got = ask("case.supplement_online", {"case": case_id, "code": code, "materials": materials}, _key())
    if not got.ok:
        return _case_page(case_id, code, status=_status(got), error=refusal(got), kept={"materials": materials})
    return _back(case_id, code, "supplemented")


@phone.post("/case/<case_id>/rate")
def case_rate(case_id: str):  # type: ignore[no-untyped-def]
    """好差评 with the check code (case.rate): a level 1–5 and a comment."""
    code = request.form.get("code", "").strip().upper()[:20]
    level = request.form.get("level", "")
    comment = request.form.get("comment", "")
    kept = {"level": level, "comment": comment}
    if level not in {"1", "2", "3", "4", "5"}:
        return _case_page(case_id, code, status=400, kept=kept, error=_form_error(
            "请选择一个评价等级", "Choose how satisfied you are"))  # fmt: skip
    body = {"case": case_id, "code": code, "level": int(level), "comment": comment.strip()}
    got = ask("case.rate", body, _key())
    if not got.ok:
        return _case_page(case_id, code, status=_status(got), error=refusal(got), kept=kept)
    return _back(case_id, code, "rated")


def _key() -> str | None:
    """The form's own key (rendered with it): sent twice, the hall answers once."""
    key = request.form.get("key", "")
    return f"phone-{key}" if re.fullmatch(r"[0-9a-f]{16}", key) else None


def _status(got: Outcome) -> int:
    return {"not_found": 404, "conflict": 409, "too_many_requests": 429, "forbidden": 403}.get(got.code or "", 400)
