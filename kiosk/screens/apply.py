"""Self-service application (自助申报): item → ID card (or an agent's card and the applicant
typed in) → the item's form → materials (e-certificates, or pages photographed and uploaded)
→ review and submit → the acceptance receipt (受理回执) with what is still owed (一次性告知).

The application lives in ``app.visit.application`` (forgotten with the visit); the checks,
the prefill and the request body are in :mod:`kiosk.application`. Pages are kept in memory
until the visit ends, so a failed upload is retried without photographing them again, and a
submit retried after the server could not be reached re-sends the same request key (the
server then answers its first decision instead of opening a second case).
"""

from __future__ import annotations

import io
import threading
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from protocol.idnumber import InvalidIdNumber, validate

from .. import application as appl
from .. import theme
from ..link import Answer, Retry
from ..visit import Application, PageState, Visitor
from ..widgets import KButton, KLabel
from .base import KioskScreen
from .choice import ChoiceScreen


def _item(app: Any, code: str) -> dict[str, Any] | None:
    return app.catalogue.item(code) if app.catalogue is not None and code else None


def _self_service(item: dict[str, Any] | None) -> bool:
    return bool(item and (item.get("flags") or {}).get("self_service"))


def _show(widget: Any, on: bool) -> None:
    """Show or hide a widget of a kv layout: hidden, it leaves its parent (no gap where it
    was) and comes back at its place among its siblings."""
    widget = getattr(widget, "__self__", widget)  # an ids entry is a weak proxy
    widget.opacity = 1 if on else 0
    widget.disabled = not on
    parent = widget.parent if widget.parent is not None else getattr(widget, "_kiosk_parent", None)
    if parent is None:
        return
    order = parent.__dict__.setdefault("_kiosk_order", list(reversed(parent.children)))  # held strongly
    widget._kiosk_parent = parent
    if not on and widget.parent is not None:
        parent.remove_widget(widget)
    elif on and widget.parent is None:
        before = sum(1 for w in order[: order.index(widget)] if w.parent is parent)
        parent.add_widget(widget, index=len(parent.children) - before)


class ApplyBase(KioskScreen):
    title_key = "self_service"

    @property
    def application(self) -> Application | None:
        return self.app.visit.application

    @property
    def item(self) -> dict[str, Any] | None:
        a = self.application
        return _item(self.app, a.item_code) if a else None

    def problem_text(self, problem: appl.Problem | None) -> str:
        return self.app.pick(*problem) if problem else ""


# ---------------------------------------------------------------------- 1. the item
class ApplyScreen(ChoiceScreen):
    """The items that may be done here; an item already chosen (from its guide) that allows
    self-service goes straight on."""

    title_key = "self_service"
    prompt_key = "apply_choose_item"

    def choices(self) -> list[tuple[str, str]]:
        cat = self.app.catalogue
        items = cat.items_self_service() if cat is not None else []
        return [(self.app.name_of(i["name"]), i["code"]) for i in items]

    def refresh(self) -> None:
        super().refresh()
        if not self.choices():
            self.ids.prompt.text = self.app.tr("apply_none")

    def on_pre_enter(self, *_a: Any) -> None:
        super().on_pre_enter()
        code = self.app.visit.item_code
        if _self_service(_item(self.app, code)):
            Clock.schedule_once(lambda _dt: self.chosen(code, straight=True), 0)

    def chosen(self, ref: str, straight: bool = False) -> None:
        app = self.app
        app.visit.choose(item_code=ref)
        app.visit.application = Application(item_code=ref)
        app.go("apply_card")
        if straight and app.history and app.history[-1] == self.name:
            app.history.pop()  # 返回 goes back to the guide, not here (which would go on again)


# ---------------------------------------------------------------------- 2. the card
class ApplyCardScreen(ApplyBase):
    """The applicant's card (the signed-in visitor's, if any). 我是代办人: the first card is
    the agent's, then the applicant's name and ID number are typed on our keyboard."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.agent_mode = False
        self.typing = False  # the agent's card is in: the applicant's details are typed
        self.typed = {"name": "", "id": ""}
        self.focus = "name"
        self.error = ""
        self._application: Application | None = None

    def on_kv_post(self, _base: Any) -> None:
        # Held here: it leaves the tree while not needed, and ``ids`` only keeps a weak reference.
        self.keyboard = self.ids.keyboard.__self__
        self.keyboard.bind(text=lambda _w, t: self._typed(t))

    def on_pre_enter(self, *_a: Any) -> None:
        if self.application is not self._application:
            self._application = self.application
            self.agent_mode = self.typing = False
            self.typed = {"name": "", "id": ""}
            self.error = ""
        self.refresh()

    def refresh(self) -> None:
        app, v = self.app, self.app.visit
        self.ids.bar.title = self.title()
        item = self.item
        self.ids.item.text = app.name_of(item["name"]) if item else ""
        who = v.visitor
        if self.typing:
            prompt = app.tr("apply_applicant_type")
        elif self.agent_mode:
            prompt = app.tr("apply_agent_signed_in", name=who.name_masked) if who else app.tr("apply_agent_place")
        else:
            prompt = (app.tr("apply_signed_in", name=who.name_masked, id=who.id_masked) if who
                      else app.tr("apply_card_place"))
        self.ids.prompt.text = prompt
        _show(self.ids.use_card, who is not None and not self.typing)
        self.ids.use_card.text = app.tr("apply_continue")
        _show(self.ids.agent, not self.typing)
        self.ids.agent.text = app.tr("apply_for_myself" if self.agent_mode else "apply_i_am_agent")
        self.ids.error.text = self.error
        form = self.ids.form
        form.clear_widgets()
        kb_box = self.ids.kb_box
        kb_box.clear_widgets()
        _show(self.ids.confirm, self.typing)
        self.ids.confirm.text = app.tr("next_step")
        if not self.typing:
            return
        for key, label in (("name", "apply_applicant_name"), ("id", "apply_applicant_id")):
            value = self.typed[key] or app.tr("apply_tap_to_type")
            b = KButton(text=f"{app.tr(label)}：{value}", ref=key, role="primary" if key == self.focus else "secondary",
                        font_size=dp(app.sizes.main))
            b.bind(on_release=lambda btn: self.focus_on(btn.ref))
            form.add_widget(b)
        kb = self.keyboard
        kb.digits_only = self.focus == "id"
        kb.max_len = 18 if self.focus == "id" else 20
        kb_box.add_widget(kb)

    def focus_on(self, key: str) -> None:
        self.focus = key
        kb = self.keyboard
        kb.text = self.typed[key]
        self.refresh()

    def _typed(self, text: str) -> None:
        if self.typing and self.typed.get(self.focus) != text:
            self.typed[self.focus] = text.upper() if self.focus == "id" else text
            self.error = ""
            self.refresh()

    def toggle_agent(self) -> None:
        self.agent_mode = not self.agent_mode
        self.typing = False
        self.error = ""
        self.refresh()

    def use_signed_in(self) -> None:
        who = self.app.visit.visitor
        if who is not None:
            self._card(who)

    def card_read(self, visitor: Visitor) -> None:
        """A card was placed (the app signed its holder in, which forgets another person's
        application: this one is kept, it is the same visit at the kiosk)."""
        v = self.app.visit
        if v.application is None and self._application is not None:
            v.application = self._application
        self._card(visitor)

    def _card(self, visitor: Visitor) -> None:
        a = self.application
        if a is None or self.typing:
            return
        if self.agent_mode:
            a.agent = visitor
            self.typing, self.focus = True, "name"
            self.keyboard.text = ""
            self.refresh()
        else:
            a.agent, a.applicant = None, visitor
            self.app.go("apply_fields")

    def confirm(self) -> None:
        app, a = self.app, self.application
        if a is None:
            return
        name = self.typed["name"].strip()
        if not name:
            self.error = app.tr("apply_name_needed")
            self.focus_on("name")
            return
        try:
            info = validate(self.typed["id"], today=app.today())
        except InvalidIdNumber as e:
            self.error = app.tr("apply_id_invalid", reason=app.pick(e.message_zh, e.message))
            self.focus_on("id")
            return
        if a.agent is not None and info.number == a.agent.id_number:
            self.error = app.tr("apply_agent_same")
            self.focus_on("id")
            return
        self.error = ""
        a.applicant = Visitor(name, info.number, info.birth)
        app.go("apply_fields")


# ---------------------------------------------------------------------- 3. the form
class ApplyFieldsScreen(ApplyBase):
    """The item's ``application_fields``: a row each (one per screen in elder mode), edited on
    our keyboard (digits for phone and date) or by buttons (a choice); prefilled from the
    card and from the person's earlier cases (``case.prefill``)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.errors: dict[str, appl.Problem] = {}
        self.focus = ""
        self.index = 0  # elder mode: the field on screen
        self._application: Application | None = None
        self._asked: tuple[str, str] | None = None
        self._loading = False
        self.rows: dict[str, KButton] = {}

    def on_kv_post(self, _base: Any) -> None:
        # Held here: it leaves the tree while not needed, and ``ids`` only keeps a weak reference.
        self.keyboard = self.ids.keyboard.__self__
        self.keyboard.bind(text=lambda _w, t: self._typed(t))

    @property
    def fields(self) -> list[dict[str, Any]]:
        return appl.fields_of(self.item)

    def on_pre_enter(self, *_a: Any) -> None:
        a = self.application
        if a is not self._application:
            self._application, self.errors, self.index = a, {}, 0
            self._asked = None  # a new application asks again (the last one may be its earlier case)
            self.focus = self.fields[0]["code"] if self.fields else ""
        if a is not None and a.applicant is not None:
            a.fields.update(appl.merge_prefill(a.fields, self.fields, appl.card_prefill(self.fields, a.applicant)))
            asked = (a.applicant.id_number, a.item_code)
            if asked != self._asked:
                self._asked = asked
                self.app.request("case.prefill", {"id_number": asked[0], "item_code": asked[1]}, self._prefilled)
        self.refresh()

    def _prefilled(self, answer: Answer) -> None:
        a = self.application
        if not answer.ok or answer.body is None or a is None:
            return  # nothing earlier, or the server is away: the visitor types it
        before = dict(a.fields)
        a.fields.update(appl.merge_prefill(a.fields, self.fields, appl.earlier_values(answer.body)))
        for code, (value, shown) in appl.earlier_masked(answer.body).items():
            if a.fields.get(code) == value and before.get(code) != value:
                a.masked[code] = (value, shown)  # the earlier case's phone, masked on screen
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()

    def field(self, code: str) -> dict[str, Any] | None:
        return next((f for f in self.fields if f["code"] == code), None)

    def refresh(self) -> None:
        app, a = self.app, self.application
        self.ids.bar.title = self.title()
        fields = self.fields
        rows = self.ids.rows
        rows.clear_widgets()
        self.rows = {}
        self.ids.options.clear_widgets()
        self.ids.kb_box.clear_widgets()
        if a is None:
            return
        item = self.item
        self.ids.item.text = app.name_of(item["name"]) if item else ""
        if app.elder and fields:
            self.index = min(self.index, len(fields) - 1)
            shown = [fields[self.index]]
            self.focus = shown[0]["code"]
            self.ids.step.text = app.tr("apply_field_step", n=self.index + 1, total=len(fields))
        else:
            shown = fields
            self.ids.step.text = app.tr("apply_fields_hint") if fields else app.tr("apply_no_fields")
        for f in shown:
            code = f["code"]
            b = KButton(text=self.row_text(f), ref=code, role="primary" if code == self.focus else "secondary",
                        font_size=dp(app.sizes.main if app.elder else app.sizes.text), halign="left")
            b.bind(on_release=lambda btn: self.focus_on(btn.ref))
            rows.add_widget(b)
            self.rows[code] = b
            problem = self.errors.get(code)
            if problem:
                rows.add_widget(KLabel(text=self.problem_text(problem), color=theme.ALERT, bold=True))
        f = self.field(self.focus)
        if f is None:
            return
        if f.get("type") == "choice":
            for c in f.get("choices") or []:
                chosen = a.fields.get(f["code"]) == c.get("value")
                b = KButton(text=app.name_of(c.get("label")), ref=str(c.get("value")),
                            role="green" if chosen else "secondary")
                b.bind(on_release=lambda btn: self.choose(btn.ref))
                self.ids.options.add_widget(b)
        else:
            kb = self.keyboard
            digits = f.get("type") in appl.DIGIT_TYPES
            if kb.digits_only != digits:
                kb.digits_only = digits
            kb.max_len = 8 if f.get("type") == "date" else appl.max_len(f)
            self._loading = True
            value = a.fields.get(f["code"], "")
            kb.text = appl.digits_of(value) if f.get("type") == "date" else value
            self._loading = False
            self.ids.kb_box.add_widget(kb)
        self.ids.next.text = app.tr("next_step")
        _show(self.ids.previous, app.elder and self.index > 0)
        self.ids.previous.text = app.tr("apply_previous")

    def focus_on(self, code: str) -> None:
        if self.field(code) is not None:
            self.focus = code
            self.refresh()

    def _typed(self, text: str) -> None:
        a, f = self.application, self.field(self.focus)
        if self._loading or a is None or f is None or f.get("type") == "choice":
            return
        value = appl.date_from_digits(text) if f.get("type") == "date" else text
        a.fields[f["code"]] = value
        a.masked.pop(f["code"], None)  # typed: shown as typed
        had_error = self.errors.pop(f["code"], None) is not None
        row = self.rows.get(f["code"])
        if had_error or row is None:
            self.refresh()
        else:
            row.text = self.row_text(f)

    def row_text(self, f: dict[str, Any]) -> str:
        """A field's row: its label (选填 when optional) and the value as shown, or a hint."""
        app = self.app
        label = app.name_of(f.get("label"))
        if not f.get("required"):
            label = app.tr("apply_optional", label=label)
        a = self.application
        shown = appl.display_value(f, a, app.lang) if a is not None else ""
        return f"{label}：{shown or app.tr('apply_tap_to_type')}"

    def choose(self, value: str) -> None:
        a, f = self.application, self.field(self.focus)
        if a is None or f is None:
            return
        a.fields[f["code"]] = value
        self.errors.pop(f["code"], None)
        self.refresh()

    def next(self) -> None:
        a, fields = self.application, self.fields
        if a is None:
            return
        if self.app.elder and fields:
            f = fields[self.index]
            problem = appl.check_field(f, a.fields.get(f["code"], ""))
            if problem:
                self.errors[f["code"]] = problem
                self.refresh()
                self.app.say(self.problem_text(problem))
                return
            self.errors.pop(f["code"], None)
            if self.index + 1 < len(fields):
                self.index += 1
                self.refresh()
                return
        self.errors = appl.check_all(fields, a.fields)
        if self.errors:
            first = next(f["code"] for f in fields if f["code"] in self.errors)
            self.focus, self.index = first, [f["code"] for f in fields].index(first)
            self.refresh()
            return
        self.app.go("apply_materials")

    def previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.refresh()

    def refused(self, code: str, problem: appl.Problem) -> None:
        """The server refused the value of ``fields.<code>``: shown on that field."""
        codes = [f["code"] for f in self.fields]
        self.errors = {code: problem}
        if code in codes:
            self.focus, self.index = code, codes.index(code)


# ---------------------------------------------------------------------- 4. materials
class ApplyMaterialsScreen(ApplyBase):
    """The item's materials: an e-certificate instead, or pages photographed; the pages are
    uploaded as they are kept, and a failed upload is retried from the pages held here."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.buttons: dict[str, KButton] = {}

    def held(self) -> set[str] | None:
        v, a = self.app.visit, self.application
        if a is None or v.visitor is None or a.applicant is None or a.applicant.id_number != v.visitor.id_number:
            return None  # the lookup (if any) was the agent's: offer, the server checks
        return appl.held_certificates(v.known)

    def offers_certificate(self, m: dict[str, Any]) -> bool:
        held = self.held()
        return bool(m.get("e_certificate")) and (held is None or m["e_certificate"] in held)

    def refresh(self) -> None:
        app, a = self.app, self.application
        self.ids.bar.title = self.title()
        box = self.ids.materials
        box.clear_widgets()
        self.buttons = {}
        if a is None:
            return
        for m in appl.materials_of(self.item):
            code = m["code"]
            name = app.name_of(m.get("name"))
            if not m.get("required"):
                name = app.tr("apply_if_applicable", name=name)
            box.add_widget(KLabel(text=name, bold=True, font_size=dp(app.sizes.main)))
            box.add_widget(KLabel(text=self.status_of(m), color=theme.MUTED))
            line = BoxLayout(size_hint_y=None, spacing=dp(12))
            line.bind(minimum_height=line.setter("height"))
            if self.offers_certificate(m):
                using = code in a.certificates
                b = KButton(text=app.tr("apply_ecert_undo" if using else "apply_use_ecert"), ref=code,
                            role="green" if using else "secondary")
                b.bind(on_release=lambda btn: self.toggle_certificate(btn.ref))
                line.add_widget(b)
                self.buttons[f"ecert:{code}"] = b
            if code not in a.certificates:
                b = KButton(text=app.tr("apply_take_photo"), ref=code, role="primary")
                b.bind(on_release=lambda btn: self.take_photo(btn.ref))
                line.add_widget(b)
                self.buttons[f"photo:{code}"] = b
            box.add_widget(line)
        failed = [p for p in a.captured if p.state is PageState.FAILED]
        uploading = [p for p in a.captured if p.state is PageState.UPLOADING]
        done = len(a.captured) - len(failed) - len(uploading)
        lines = []
        if a.captured:
            lines.append(app.tr("apply_upload_progress", done=done, total=len(a.captured)))
        if failed:
            lines.append(app.tr("apply_upload_failed", count=len(failed), reason=failed[-1].error))
        self.ids.status.text = "\n".join(lines)
        self.ids.status.color = theme.ALERT if failed else theme.TEXT
        _show(self.ids.retry, bool(failed))
        self.ids.retry.text = app.tr("apply_retry_upload")
        self.ids.next.text = app.tr("next_step")

    def status_of(self, m: dict[str, Any]) -> str:
        app, a = self.app, self.application
        assert a is not None
        if m["code"] in a.certificates:
            return app.tr("apply_ecert_used")
        pages = a.pages_of(m["code"])
        if not pages:
            return app.tr("apply_no_pages")
        up = sum(p.state is PageState.UPLOADED for p in pages)
        return app.tr("apply_pages", count=len(pages), uploaded=up)

    def toggle_certificate(self, code: str) -> None:
        a = self.application
        if a is None:
            return
        if code in a.certificates:
            a.certificates.remove(code)
        else:
            a.certificates.append(code)
        self.refresh()

    def take_photo(self, code: str) -> None:
        self.app.screen("apply_capture").start(code)
        self.app.go("apply_capture")

    def upload(self, page: Any) -> None:
        from ..upload import upload_page

        page.state, page.error = PageState.UPLOADING, ""
        data = page.jpeg
        self.app.call(lambda client: upload_page(client, data, "image/jpeg"), lambda a: self._uploaded(page, a))

    def _uploaded(self, page: Any, answer: Answer) -> None:
        a, app = self.application, self.app
        if a is None or page not in a.captured:
            return  # the visit ended meanwhile
        if answer.ok and answer.body is not None:
            a.uploaded(page, str(answer.body["result"]))
        else:
            assert answer.error is not None
            page.state = PageState.FAILED
            page.error = app.tr("apply_upload_unreachable") if answer.unreachable else app.said(answer.error)
        if self.manager is not None and self.manager.current in (self.name, "apply_capture"):
            self.manager.current_screen.refresh()

    def retry(self) -> None:
        a = self.application
        for page in list(a.captured if a else []):
            if page.state is PageState.FAILED:
                self.upload(page)
        self.refresh()

    def next(self) -> None:
        a = self.application
        if a is None:
            return
        if any(p.state is PageState.FAILED for p in a.captured):
            self.ids.status.text = self.app.tr("apply_retry_first")
            return
        if any(p.state is PageState.UPLOADING for p in a.captured):
            self.ids.status.text = self.app.tr("apply_wait_uploads")
            return
        self.app.go("apply_review")


# ---------------------------------------------------------------------- 4b. the camera
class ApplyCaptureScreen(ApplyBase):
    """One material's pages: 拍摄 → the cropped page shown → 重拍 or 保留, as many pages as
    the material has; 完成 goes back to the list."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.material = ""
        self.shot: Any = None
        self.busy = False
        self.message = ""

    def start(self, material: str) -> None:
        self.material, self.shot, self.busy, self.message = material, None, False, ""

    def refresh(self) -> None:
        app, a = self.app, self.application
        self.ids.bar.title = self.title()
        m = next((m for m in appl.materials_of(self.item) if m["code"] == self.material), None)
        self.ids.material.text = app.name_of(m.get("name")) if m else ""
        kept = len(a.pages_of(self.material)) if a else 0
        self.ids.count.text = app.tr("apply_pages_kept", count=kept)
        if self.busy:
            self.ids.prompt.text = app.tr("apply_capturing")
        elif self.shot is not None and self.shot.found:
            self.ids.prompt.text = app.tr("apply_check_page")
        else:
            self.ids.prompt.text = self.message or app.tr("apply_place_page")
        has_shot = self.shot is not None and self.shot.found
        _show(self.ids.capture, not has_shot and not self.busy)
        _show(self.ids.retake, has_shot and not self.busy)
        _show(self.ids.keep, has_shot and not self.busy)
        _show(self.ids.done, not self.busy)
        self.ids.capture.text = app.tr("apply_capture")
        self.ids.retake.text = app.tr("apply_retake")
        self.ids.keep.text = app.tr("apply_keep")
        self.ids.done.text = app.tr("apply_done_material")
        self.ids.preview.texture = self._texture(self.shot.preview) if self.shot is not None else None
        self.ids.preview.opacity = 1 if self.shot is not None else 0

    @staticmethod
    def _texture(data: bytes) -> Any:
        from kivy.core.image import Image as CoreImage

        ext = "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "jpg"
        return CoreImage(io.BytesIO(data), ext=ext).texture

    def capture(self) -> None:
        app = self.app
        if self.busy:
            return
        if app.devices is None or not hasattr(app.devices, "capture_page"):
            self.message = app.tr("apply_no_camera")
            self.refresh()
            return
        self.busy, self.shot, self.message = True, None, ""
        self.refresh()

        def work() -> None:
            try:
                page = app.devices.capture_page()
            except Exception as e:  # camera gone: said on screen, the kiosk goes on
                message = str(e)
                Clock.schedule_once(lambda _dt: self._captured(None, message), 0)
                return
            Clock.schedule_once(lambda _dt: self._captured(page, ""), 0)

        threading.Thread(target=work, name="capture-page", daemon=True).start()

    def _captured(self, page: Any, problem: str) -> None:
        self.busy = False
        self.shot = page
        if page is None:
            self.message = self.app.tr("apply_camera_failed", reason=problem)
        elif not page.found:
            self.message = self.app.tr("apply_no_page")
        self.refresh()
        if self.app.elder:
            self.app.say(self.ids.prompt.text)

    def retake(self) -> None:
        self.shot = None
        self.capture()

    def keep(self) -> None:
        a = self.application
        if a is None or self.shot is None or not self.shot.found:
            return
        page = a.keep(self.material, self.shot.jpeg)
        self.shot = None
        self.message = self.app.tr("apply_page_kept", n=len(a.pages_of(self.material)))
        self.app.screen("apply_materials").upload(page)
        self.refresh()

    def done(self) -> None:
        self.shot = None
        self.app.back()


# ---------------------------------------------------------------------- 5. review
class ApplyReviewScreen(ApplyBase):
    """Everything entered (the ID number masked), the pages of each material, 提交."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.busy = False
        self.retry = Retry()

    def summary(self) -> list[str]:
        app, a, item = self.app, self.application, self.item
        if a is None or a.applicant is None:
            return []
        lines = [app.name_of(item["name"]) if item else a.item_code, ""]
        p = a.applicant
        lines.append(app.tr("apply_review_applicant", name=p.name_masked, id=p.id_masked))
        if a.agent is not None:
            lines.append(app.tr("apply_review_agent", name=a.agent.name_masked, id=a.agent.id_masked))
        fields = appl.fields_of(item)
        if fields:
            lines.append("")
        for f in fields:
            value = appl.display_value(f, a, app.lang) or app.tr("apply_empty")
            lines.append(f"{app.name_of(f.get('label'))}：{value}")
        lines.append("")
        for m in appl.materials_of(item):
            if m["code"] in a.certificates:
                state = app.tr("apply_ecert_used")
            elif a.pages_of(m["code"]):
                state = app.tr("apply_review_pages", count=len(a.pages_of(m["code"])))
            else:
                state = app.tr("apply_review_missing")
            lines.append(f"{app.name_of(m.get('name'))}：{state}")
        return lines

    def refresh(self) -> None:
        self.ids.bar.title = self.title()
        self.ids.summary.text = "\n".join(self.summary())
        self.ids.submit.text = self.app.tr("apply_submit")
        if not self.busy:
            self.ids.status.text = ""

    def submit(self) -> None:
        app, a = self.app, self.application
        if self.busy or a is None or a.applicant is None:
            return
        body = appl.submit_body(a.item_code, a, appl.fields_of(self.item))
        self.busy = True
        self.ids.status.text = app.tr("processing")
        app.request("case.submit_kiosk", body, self.submitted, retry=self.retry)

    def submitted(self, answer: Answer) -> None:
        app = self.app
        self.busy = False
        self.ids.status.text = ""
        if answer.ok and answer.body is not None:
            app.visit.case = dict(answer.body)
            app.visit.printed = None
            app.visit.touch()
            app.go("apply_receipt")
            app.screen("apply_receipt").print_receipt()
            return
        error = answer.error
        assert error is not None
        if answer.unreachable:  # the same key next time: a lost answer never becomes two cases
            self.ids.status.text = app.tr("apply_unreachable")
            app.notify(app.tr("apply_unreachable"), alert=True)
            return
        code = appl.refused_field(error)
        if code is not None:
            app.screen("apply_fields").refused(code, appl.refusal_problem(error, code))
            app.go("apply_fields")
            app.notify(app.tr("apply_field_refused"), alert=True)
            return
        app.notify(app.tr("apply_refused", reason=app.said(error)), alert=True)


# ---------------------------------------------------------------------- 6. receipt
class ApplyReceiptScreen(ApplyBase):
    """受理回执: the case number, the promised date, the check code and the progress page's QR,
    printed (or, the printer failing, shown here to keep); what is still owed (一次性告知)."""

    title_key = "apply_receipt_title"

    def progress_url(self) -> str:
        """The case's progress page as the server gave it: the receipt's QR code."""
        return str((self.app.visit.case or {}).get("progress_url") or "")

    def refresh(self) -> None:
        app, case, item = self.app, self.app.visit.case, self.item
        self.ids.bar.title = self.title()
        if not case:
            return
        self.ids.item.text = app.name_of(case.get("item_name")) or (app.name_of(item["name"]) if item else "")
        self.ids.case.text = app.tr("apply_case_number", number=case.get("id", ""))
        due = appl.promised_date(case)
        self.ids.promised.text = app.tr("apply_promised", date=due.isoformat() if due else app.tr("apply_promised_unknown"))
        self.ids.check_code.text = app.tr("apply_check_code", code=case.get("check_code") or "—")
        self.ids.qr.texture = app.qr_texture(self.progress_url())
        names = {m["code"]: app.name_of(m.get("name")) for m in appl.materials_of(item)}
        owed = [names.get(c, c) for c in case.get("materials_needed") or []]
        if owed:
            self.ids.owed.text = app.tr("apply_owed") + "\n" + "\n".join(f"· {n}" for n in owed)
        else:
            self.ids.owed.text = app.tr("apply_nothing_owed")
        self.ids.printed.text = {None: app.tr("apply_printing"), True: app.tr("apply_take_receipt"),
                                 False: app.tr("apply_not_printed")}[app.visit.printed]
        self.ids.printed.color = theme.ALERT if app.visit.printed is False else theme.TEXT
        self.ids.done.text = app.tr("done")

    def on_enter(self, *_a: Any) -> None:
        case = self.app.visit.case
        if self.app.elder and case:
            self.app.say(self.app.tr("apply_speak_case", number=case.get("id", "")))

    def receipt(self) -> Any:
        """The printer's document (``AcceptanceReceipt`` layout), or None without a date."""
        from printer import AcceptanceReceipt, acceptance_receipt

        case, item = self.app.visit.case or {}, self.item
        due = appl.promised_date(case)
        if not case or due is None:
            return None
        name = (case.get("item_name") or {}).get("zh") or ((item or {}).get("name") or {}).get("zh", "")
        slip = AcceptanceReceipt(case_number=case["id"], item_name=name, promised_date=due,
                                 progress_url=self.progress_url(), check_code=case.get("check_code") or "")
        return acceptance_receipt(slip, "zh")

    def print_receipt(self) -> None:
        doc = self.receipt()
        if doc is None:
            self._printed(False, "")
            return
        self.app.print_document(doc, self._printed)

    def _printed(self, ok: bool, _reason: str) -> None:
        self.app.visit.printed = ok
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()
