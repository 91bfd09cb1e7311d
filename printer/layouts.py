"""Layouts: slip data → :class:`~printer.document.Document`. Pure functions, no I/O, no clock.

Language: ``"zh"`` (default) prints Chinese; ``"en"`` English; ``"zh+en"`` Chinese first and a
short English gloss after it, for visitors who read neither well enough alone. Values the
caller supplies (hall, item, advice) are printed as given.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from printer.document import QR, Block, Cut, Document, Feed, Row, Rule, Text
from printer.slips import AcceptanceReceipt, MaterialsChecklist, OneTimeNoticeSlip, TicketSlip

Lang = Literal["zh", "en", "zh+en"]
LANGS: tuple[Lang, ...] = ("zh", "en", "zh+en")

# key → (Chinese, English). Labels are short so that a bilingual row fits 58 mm paper.
LABELS: dict[str, tuple[str, str]] = {
    "ticket": ("排队号", "Your number"),
    "ahead": ("前面等候", "Ahead"),
    "wait": ("预计等候", "Est. wait"),
    "issued": ("取号时间", "Issued"),
    "scan_live": ("微信/手机扫码查看实时排队进度", "Scan for your live position"),
    "advice": ("温馨提示：", "Note: "),
    "lane_green": ("绿色通道", "Green channel"),
    "lane_appointment": ("预约", "Appointment"),
    "notice": ("一次性告知书", "One-Time Notice"),
    "case": ("办件编号", "Case no."),
    "missing_intro": (
        "您申请办理的事项尚缺以下材料，请一次备齐：",
        "Your application still needs the following. Please bring all of it:",
    ),
    "where": ("提交地点：", "Where: "),
    "deadline": ("补齐期限", "Bring by"),
    "officer": ("经办人", "Officer"),
    "phone": ("联系电话", "Tel"),
    "notice_promise": (
        "除本告知书所列材料外，不再要求您补充其他材料。",
        "Nothing beyond this list will be asked of you.",
    ),
    "notice_issued": ("告知时间", "Issued"),
    "notice_check": ("凭办件编号和查询码查询办理进度", "Case no. + check code show your progress"),
    "receipt": ("受理回执", "Acceptance Receipt"),
    "item": ("办理事项：", "Service: "),
    "promised": ("承诺办结", "Ready by"),
    "check_code": ("查询码", "Check code"),
    "scan_progress": ("扫码或凭办件编号和查询码查询进度", "Scan, or use case no. + check code"),
    "checklist": ("申请材料清单", "Materials Checklist"),
    "checklist_hint": (
        "请对照清单逐项备齐后再来窗口办理。",
        "Tick each item off before coming to the window.",
    ),
}


def label(key: str, lang: Lang, sep: str = " ") -> str:
    zh, en = LABELS[key]
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    if sep == "" and zh.endswith("："):  # inline: "温馨提示：" + "Note: " → "温馨提示 Note: "
        return f"{zh[:-1]} {en}"
    return f"{zh}{sep}{en}"


def _title(key: str, lang: Lang) -> list[Block]:
    """A slip title: Chinese large; English below it in normal size when bilingual."""
    zh, en = LABELS[key]
    if lang == "en":
        return [Text(en, align="center", width=2, height=2, bold=True)]
    blocks: list[Block] = [Text(zh, align="center", width=2, height=2, bold=True)]
    if lang == "zh+en":
        blocks.append(Text(en, align="center"))
    return blocks


def _date(d: dt.date, lang: Lang) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日" if lang != "en" else d.isoformat()


def _time(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _wait(minutes: int | None, lang: Lang, beyond_closing: bool = False) -> str:
    if beyond_closing:  # the hall may close first: a number of minutes would be a false promise
        return {"zh": "今日可能无法办理", "en": "maybe not today", "zh+en": "今日可能无法办理"}[lang]
    if minutes is None:
        return {"zh": "以叫号为准", "en": "see display", "zh+en": "以叫号为准"}[lang]
    if minutes <= 0:
        return {"zh": "无需等候", "en": "none", "zh+en": "无需等候 none"}[lang]
    return {"zh": f"约 {minutes} 分钟", "en": f"about {minutes} min", "zh+en": f"约 {minutes} 分钟"}[lang]


#: Ticket lanes with a mark of their own (``queue_server.engine.model.Priority``); any other
#: value prints no mark rather than a code the visitor cannot read.
LANE_LABELS = {"green": "lane_green", "appointment": "lane_appointment"}


def _lane_mark(priority: str | None, lang: Lang) -> list[Block]:
    """A white-on-black band under the number: the visitor knows which lane they are in, and a
    clerk or guide sees it from a step away. Double height only: a bilingual mark at double
    width would not fit 58 mm paper."""
    key = LANE_LABELS.get(priority or "")
    if key is None:
        return []
    # Padded with full-width spaces (U+3000, in GBK): wrapping keeps them, so the band reaches
    # past the words on both sides.
    return [Text(f"\u3000{label(key, lang)}\u3000", align="center", height=2, bold=True, invert=True)]


def ticket(slip: TicketSlip, lang: Lang = "zh") -> Document:
    ahead = {
        "zh": f"{slip.people_ahead} 人",
        "en": str(slip.people_ahead),
        "zh+en": f"{slip.people_ahead} 人",
    }[lang]
    blocks: list[Block] = [
        Text(slip.hall_name, align="center", height=2, bold=True),
        Rule(),
        Text(label("ticket", lang), align="center"),
        # The number is what the visitor watches for on the hall board: as large as the printer goes
        # while five characters still fit 58 mm paper (5 x 12 x 4 = 240 of 384 dots).
        Text(slip.number, align="center", width=4, height=4, bold=True),
        *_lane_mark(slip.priority, lang),
        Text(slip.item_name, align="center", height=2, bold=True),
        Rule(),
        Row(label("ahead", lang), ahead),
        Row(label("wait", lang), _wait(slip.estimated_wait_min, lang, slip.beyond_closing)),
        Row(label("issued", lang), _time(slip.issued_at)),
    ]
    if slip.wait_notice:
        zh, en = slip.wait_notice
        words = {"zh": zh, "en": en or zh, "zh+en": f"{zh}\n{en}" if en else zh}[lang]
        blocks.append(Text(words, bold=slip.beyond_closing))
    if slip.url:  # a slip printed by hand (``python -m printer ticket``) may have no live page
        blocks += [Feed(1), QR(slip.url), Text(label("scan_live", lang, sep="\n"), align="center")]
    if slip.advice:
        blocks += [Rule(), Text(label("advice", lang, sep="") + slip.advice)]
    blocks.append(Cut())
    return Document(title=f"ticket {slip.number}", blocks=tuple(blocks))


def one_time_notice(slip: OneTimeNoticeSlip, lang: Lang = "zh") -> Document:
    blocks: list[Block] = [*_title("notice", lang), Rule()]
    blocks.append(Row(label("case", lang), slip.case_number, bold=True))
    if slip.check_code:  # with the case number it opens the case's progress: keep them together
        blocks.append(Row(label("check_code", lang), slip.check_code, bold=True))
        blocks.append(Text(label("notice_check", lang, sep="\n")))
    if slip.item_name:
        blocks.append(Text(label("item", lang, sep="") + slip.item_name, bold=True))
    blocks.append(Text(label("missing_intro", lang, sep="\n")))
    for i, (name, note) in enumerate(slip.missing_materials, start=1):
        prefix = f"{i}. "
        blocks.append(Text(prefix + name, bold=True, indent=len(prefix)))
        if note:
            blocks.append(Text(" " * len(prefix) + note, indent=len(prefix)))
    blocks += [
        Rule(),
        Text(label("where", lang, sep="") + slip.where),
        Row(label("deadline", lang), _date(slip.deadline, lang), bold=True),
        # Rows keep a phone number on one line (wrapping would break it at its space).
        Row(label("officer", lang), slip.officer_name),
        Row(label("phone", lang), slip.officer_phone),
    ]
    if slip.issued_at is not None:
        blocks.append(Row(label("notice_issued", lang), _time(slip.issued_at)))
    blocks += [Rule(), Text(label("notice_promise", lang, sep="\n")), Cut()]
    return Document(title=f"notice {slip.case_number}", blocks=tuple(blocks))


def acceptance_receipt(slip: AcceptanceReceipt, lang: Lang = "zh") -> Document:
    blocks: list[Block] = [
        *_title("receipt", lang),
        Rule(),
        Row(label("case", lang), slip.case_number, bold=True),
        Text(label("item", lang, sep="") + slip.item_name),
        Row(label("promised", lang), _date(slip.promised_date, lang), bold=True),
        Row(label("check_code", lang), slip.check_code, bold=True),
        Feed(1),
        QR(slip.progress_url),
        Text(label("scan_progress", lang, sep="\n"), align="center"),
        Cut(),
    ]
    return Document(title=f"receipt {slip.case_number}", blocks=tuple(blocks))


def materials_checklist(slip: MaterialsChecklist, lang: Lang = "zh") -> Document:
    blocks: list[Block] = [
        *_title("checklist", lang),
        Text(slip.item_name, align="center", bold=True),
        Rule(),
    ]
    for i, material in enumerate(slip.materials, start=1):
        name, note = (material, "") if isinstance(material, str) else material
        prefix = f"□ {i}. "  # □ is in GB2312 (A1F5): every Chinese printer font has it
        blocks.append(Text(prefix + name, indent=len(prefix) + 1))
        if note:
            blocks.append(Text(" " * (len(prefix) + 1) + note, indent=len(prefix) + 1))
    blocks += [Rule(), Text(label("checklist_hint", lang, sep="\n")), Cut()]
    return Document(title=f"checklist {slip.item_name}", blocks=tuple(blocks))
