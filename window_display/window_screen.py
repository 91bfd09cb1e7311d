"""The window screen (窗口屏): number and kind of the window, the number being served, the
handling officer (name and staff number), paused/closed state, the last numbers called here.

Layout in ``kv/window.kv``; this class turns a :class:`HallModel` into the texts it shows.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from .model import STATUS_NAMES, HallModel
from .prerender import TEXTURES  # also registers PreparedLabel and loads the shared kv (common.kv)

KV_DIR = Path(__file__).parent / "kv"
Builder.load_file(str(KV_DIR / "window.kv"))

CALLED_BG = (0.80, 0.10, 0.10, 1)  # a number just called: red panel, yellow digits
SERVING_BG = (0.05, 0.40, 0.20, 1)  # at the window: green panel
IDLE_BG = (0.08, 0.14, 0.26, 1)
PAUSED_BG = (0.35, 0.35, 0.38, 1)
NUMBER_YELLOW = (1, 0.92, 0.2, 1)


PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


def staff_photo(folder: str, staff_no: str) -> str:
    """The photo the hall posts of ``staff_no`` (``<folder>/<staff_no>.jpg`` or ``.png``), or ""."""
    if not folder or not staff_no or "/" in staff_no or staff_no.startswith("."):
        return ""
    for suffix in PHOTO_SUFFIXES:
        path = Path(folder) / f"{staff_no}{suffix}"
        if path.is_file():
            return str(path)
    return ""


class WindowScreen(BoxLayout):
    window_number = NumericProperty(1)
    title_text = StringProperty("")
    kind_text = StringProperty("")
    serving_caption = StringProperty("正在办理\nNow serving")
    number_text = StringProperty("")
    number_color = ColorProperty(NUMBER_YELLOW)
    number_bg = ColorProperty(IDLE_BG)
    clerk_text = StringProperty("")
    photos_dir = StringProperty("")  # the hall's staff photos, one file per staff number
    photo_source = StringProperty("")
    recent_text = StringProperty("")
    lost = BooleanProperty(False)  # the connection was lost (not: still connecting)
    link_state = StringProperty("connecting")
    shown_version = NumericProperty(-1)

    def prepare(self, number: str) -> bool:
        """Render the texture of ``number`` as a call shows it, before it is called."""
        return TEXTURES.prepare(self.ids.number, number)

    def has_work(self) -> bool:
        return False  # one number a frame is prepared as it comes (app.prepare_upcoming)

    def has_news(self, model: HallModel) -> bool:
        """Anything new is shown at once: a window screen's texts change seldom."""
        return model.version != self.shown_version

    def refresh(self, model: HallModel, *, force: bool = False) -> bool:
        """Redraw from the model if it changed; returns True when texts were updated."""
        if not force and model.version == self.shown_version:
            return False
        self.shown_version = model.version
        n = int(self.window_number)
        w = model.window(n)
        self.title_text = f"{n}号窗口   Window {n}"
        name = w.name or f"{w.kind_zh} {w.kind_en}"
        self.kind_text = name if w.kind_zh in name else f"{w.kind_zh} {name}"
        self.link_state = model.link_state
        self.lost = self.link_state == "lost"
        if w.status != "open":
            zh, en = STATUS_NAMES.get(w.status, (w.status, w.status))
            reason = f"\n{w.pause_reason}" if w.pause_reason else ""
            self.serving_caption = "窗口状态\nStatus"
            self.number_text = f"{zh}\n{en}{reason}"
            self.number_bg = PAUSED_BG
            self.number_color = (1, 1, 1, 1)
        elif w.current:
            self.serving_caption = "请到本窗口\nPlease come" if w.current.get("state") == "called" else "正在办理\nNow serving"
            self.number_text = w.current["number"]
            self.number_bg = CALLED_BG if w.current.get("state") == "called" else SERVING_BG
            self.number_color = NUMBER_YELLOW
        else:
            self.serving_caption = "正在办理\nNow serving"
            self.number_text = "— —"
            self.number_bg = IDLE_BG
            self.number_color = (0.6, 0.65, 0.75, 1)
        if w.clerk:
            phone = w.clerk.get("phone") or ""
            self.clerk_text = (
                f"经办人 Officer: {w.clerk.get('name') or w.clerk.get('id', '')}"
                f"     工号 Staff No.: {w.clerk.get('staff_no') or '—'}"
                + (f"\n联系电话 Tel.: {phone}" if phone else "")
            )
        else:
            self.clerk_text = "本窗口暂无工作人员  No officer at this window"
        self.photo_source = staff_photo(self.photos_dir, (w.clerk or {}).get("staff_no") or "")
        recent = [x for x in w.recent if not (w.current and x == w.current.get("number"))][:5]
        self.recent_text = "最近叫号 Recent: " + ("  ".join(recent) if recent else "—")
        return True
