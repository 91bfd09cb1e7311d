"""Words the pages share for the hall's states: one place, so that a case reads the same in
the console, in my cases and in a department's tasks."""

from __future__ import annotations

#: protocol/models/cases.py ``CaseStateName`` in English (the hall gives the Chinese, state_zh).
CASE_STATE_EN: dict[str, str] = {
    "submitted": "submitted",
    "accepted": "accepted",
    "refused": "refused",
    "waiting_materials": "waiting for materials",
    "supplemented": "materials supplemented",
    "in_review": "in review",
    "approved": "approved",
    "rejected": "rejected",
    "result_ready": "ready for pick-up",
    "handed_out": "handed out",
    "closed": "closed",
}
#: A card in words beside its colour (a colour alone says nothing to a colour-blind clerk).
CARDS: dict[str, dict[str, str]] = {
    "red": {"zh": "红牌", "en": "Red card", "note_zh": "已超期", "note_en": "overdue"},
    "yellow": {"zh": "黄牌", "en": "Yellow card", "note_zh": "临近期限", "note_en": "due soon"},
    "green": {"zh": "正常", "en": "On time", "note_zh": "", "note_en": ""},
}


def words() -> dict[str, object]:
    """For the templates (``web.app_context_processor``)."""
    return {"case_state_en": CASE_STATE_EN, "cards": CARDS}
