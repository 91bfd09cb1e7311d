"""The admin's catalogue and board pages: the service catalogue's items listed and searched,
one item edited (its common fields as inputs, its guide as YAML), checked and published as a
new version; a whole catalogue file uploaded, checked and published; the hall board's notices.

Publishing goes to the hall in-process (``catalogue.publish``), so the catalogue is not held to
the 64 KiB of an HTTP body: the demo district's, about 300 KB, publishes from here. The
functional core is ``edited_document`` and ``check``: plain data in, a document or its
problems out; the views around them only read forms and call the hall.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from flask import Response, g, make_response, render_template, request
from werkzeug.datastructures import MultiDict

from ..catalogue import Catalogue, CatalogueError, Stream, parse_catalogue, read_catalogue_text
from ..users import Account, UserRole
from .views import catalogue, hall_loop, said, signed_in, this_hall, web

#: As the REST route's ``MAX_CATALOGUE_BYTES``: a city's catalogue may be ten times the demo's.
MAX_UPLOAD_BYTES = 4 * 1024 * 1024
#: The pages that take a catalogue or an item's guide: every other page keeps the app's 64 KiB.
LARGE_BODIES = frozenset({"web.admin_catalogue_upload", "web.admin_item_save"})
#: Items a page of the list shows at most (a search finds the others).
LIST_LIMIT = 200


@web.before_app_request
def allow_catalogue_bodies() -> None:
    """Before the blueprint's CSRF check reads the form (and with it the body, under the app's
    64 KiB), the catalogue pages raise their own limit."""
    if request.endpoint in LARGE_BODIES:
        request.max_content_length = MAX_UPLOAD_BYTES


def _by() -> str:
    account: Account = g.account
    return f"user:{account.username}"


# ------------------------------------------------------------------ the functional core
@dataclass(frozen=True, slots=True)
class Checked:
    """A catalogue document checked: the catalogue when it holds, else every problem."""

    document: dict[str, Any]
    catalogue: Catalogue | None
    problems: tuple[str, ...]


def check(document: dict[str, Any]) -> Checked:
    try:
        return Checked(document, parse_catalogue(document, source="edited catalogue"), ())
    except CatalogueError as e:
        return Checked(document, None, tuple(e.problems))


#: The item's fields the edit form shows as inputs: form name → (path in the item, type).
ITEM_FIELDS: dict[str, tuple[tuple[str, ...], type]] = {
    "name_zh": (("name", "zh"), str),
    "name_en": (("name", "en"), str),
    "stream": (("stream",), str),
    "theme": (("theme",), str),
    "department": (("department",), str),
    "wait_target_min": (("wait_target_min",), int),
    "statutory_days": (("limits", "statutory_days"), int),
    "promised_days": (("limits", "promised_days"), int),
    "tier": (("limits", "tier"), str),
}


def item_form(item: dict[str, Any]) -> dict[str, str]:
    """What the edit form shows of an item (its document's shape)."""
    shown: dict[str, str] = {}
    for name, (path, _) in ITEM_FIELDS.items():
        value: Any = item
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        shown[name] = "" if value is None else str(value)
    shown["guide"] = yaml.safe_dump(item.get("guide", {}), allow_unicode=True, sort_keys=False, width=10_000)
    return shown


def edited_document(document: dict[str, Any], code: str, form: MultiDict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The catalogue ``document`` with item ``code`` changed as the form says; the problems of
    the form itself (a number that is none, a guide that is no YAML mapping) beside it. The
    rest is the loader's to judge, with every other problem of the catalogue."""
    problems: list[str] = []
    items = [dict(i) for i in document["items"]]
    index = next(i for i, item in enumerate(items) if item["code"] == code)
    item = _deep_copy(items[index])
    for name, (path, kind) in ITEM_FIELDS.items():
        raw = form.get(name, "").strip()
        value: Any = raw
        if kind is int:
            try:
                value = int(raw)
            except ValueError:
                problems.append(f"{code}: {'.'.join(path)}: “{raw}” 须为整数 / “{raw}” is not a whole number")
                continue
        target = item
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    try:
        guide = yaml.safe_load(form.get("guide", ""))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problems.append(f"{code}: guide: 办事指南格式有误 / YAML syntax error{where}: {getattr(e, 'problem', e)}")
        guide = item.get("guide")
    if not isinstance(guide, dict):
        problems.append(f"{code}: guide: 办事指南须为字段映射 / must be a mapping of the guide's fields")
        guide = item.get("guide")
    item["guide"] = guide
    items[index] = item
    return {**document, "items": items}, problems


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def find_items(cat: Catalogue, query: str) -> list[dict[str, str]]:
    """The items whose code or name (either language) holds ``query``, in the file's order."""
    q = query.strip().lower()
    return [
        {"code": item.code, "zh": item.name.zh, "en": item.name.en, "stream": item.stream.value,
         "department": item.department, "wait_target_min": str(item.wait_target_min)}
        for item in cat.items.values()
        if not q or q in item.code.lower() or q in item.name.zh.lower() or q in item.name.en.lower()
    ]


# ------------------------------------------------------------------ the pages
def _no_store(body: str, status: int = 200) -> Response:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _version() -> int:
    return hall_loop().service.catalogue_version


@web.get("/admin/catalogue")
@signed_in(UserRole.ADMIN)
def admin_catalogue():  # type: ignore[no-untyped-def]
    return _catalogue_page()


def _catalogue_page(status: int = 200, **shown: Any) -> Response:
    query = request.args.get("q", "")
    found = find_items(catalogue(), query)
    return _no_store(
        render_template(
            "admin_catalogue.html", items=found[:LIST_LIMIT], more=max(0, len(found) - LIST_LIMIT), query=query,
            version=_version(), total=len(catalogue().items), **shown,
        ),
        status,
    )


@web.get("/admin/catalogue/items/<code>")
@signed_in(UserRole.ADMIN)
def admin_item(code: str):  # type: ignore[no-untyped-def]
    item = next((i for i in hall_loop().service.catalogue_document["items"] if i["code"] == code), None)
    if item is None:
        return _catalogue_page(404, refused={"zh": f"没有事项 {code}", "en": f"no item {code}"})
    return _item_page(code, item_form(item))


def _item_page(code: str, form: dict[str, str], status: int = 200, **shown: Any) -> Response:
    cat = catalogue()
    return _no_store(
        render_template(
            "admin_item.html", code=code, form=form, version=_version(), streams=[s.value for s in Stream],
            departments=[{"code": d.code, "zh": d.name.zh, "en": d.name.en} for d in cat.departments.values()],
            themes=[{"code": k, "zh": t.zh, "en": t.en} for k, t in cat.themes.items()],
            tiers=("on_the_spot", "within_5_days", "halved"), **shown,
        ),
        status,
    )


@web.post("/admin/catalogue/items/<code>")
@signed_in(UserRole.ADMIN)
def admin_item_save(code: str):  # type: ignore[no-untyped-def]
    document = hall_loop().service.catalogue_document
    if not any(i["code"] == code for i in document["items"]):
        return _catalogue_page(404, refused={"zh": f"没有事项 {code}", "en": f"no item {code}"})
    form = request.form
    shown = {name: form.get(name, "") for name in (*ITEM_FIELDS, "guide")}
    if form.get("version") != str(_version()):
        # Published by someone else since this form was opened: publishing the form over it
        # would undo their change to this item without anyone seeing it.
        return _item_page(code, item_form(next(i for i in document["items"] if i["code"] == code)), 409, refused={
            "zh": f"事项目录已更新为第 {_version()} 版，请在最新内容上重新修改",
            "en": f"the catalogue is at version {_version()} now: make the change again on it",
        })
    edited, problems = edited_document(document, code, form)
    checked = check(edited)
    problems = [*problems, *checked.problems]
    if problems:  # nothing is published with a problem, even one of the form alone
        return _item_page(code, shown, 422, problems=problems)
    if form.get("do") != "publish":
        return _item_page(code, shown, valid=True)
    return _publish(checked, subject=code, page=lambda **s: _item_page(code, shown, **s))


def _publish(checked: Checked, *, subject: str, page: Any) -> Response:
    outcome = hall_loop().call("catalogue.publish", {"document": checked.document}, _actor())
    if not outcome.ok:
        return page(status=409, refused=_said(outcome))
    body = outcome.body or {}
    hall_loop().service.store.audit(
        _by(), "catalogue.edit", subject, hall=this_hall(), version=body.get("version"), created=body.get("created"),
    )
    return page(published={"version": body.get("version"), "created": body.get("created")})


def _actor() -> Any:
    account: Account = g.account
    return account.actor()


def _said(outcome: Any) -> dict[str, str]:
    s = said(outcome)
    return {"zh": s["message_zh"], "en": s["message"]}


@web.post("/admin/catalogue/upload")
@signed_in(UserRole.ADMIN)
def admin_catalogue_upload():  # type: ignore[no-untyped-def]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _catalogue_page(400, problems=["未选择文件 / no file chosen"])
    name = upload.filename
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        return _catalogue_page(422, problems=[f"{name}: 文件须为 UTF-8 文本 / not UTF-8 text"], uploaded=name)
    try:
        cat = read_catalogue_text(text, source=name)
    except CatalogueError as e:
        return _catalogue_page(422, problems=e.problems, uploaded=name)
    checked = Checked(cat.to_document(), cat, ())
    if request.form.get("do") != "publish":
        return _catalogue_page(valid={"name": name, "items": len(cat.items)}, uploaded=name)
    return _publish(checked, subject=name, page=_catalogue_page)


# ------------------------------------------------------------------ the board's notices
#: Rows the notices form offers (the model's own limit is checked by the hall).
NOTICE_ROWS = 5


@web.route("/admin/notices", methods=["GET", "POST"])
@signed_in(UserRole.ADMIN)
def admin_notices():  # type: ignore[no-untyped-def]
    notices = list(hall_loop().service.engine.notices)
    if request.method == "GET":
        return render_template("admin_notices.html", notices=notices, rows=max(NOTICE_ROWS, len(notices) + 1))
    form = request.form
    wanted = [
        {"zh": zh.strip(), "en": en.strip()}
        for zh, en in zip(form.getlist("zh"), form.getlist("en"), strict=False)
        if zh.strip() or en.strip()
    ]
    outcome = hall_loop().call("hall.set_notices", {"notices": wanted}, _actor())
    if not outcome.ok:
        return render_template(
            "admin_notices.html", notices=wanted, rows=max(NOTICE_ROWS, len(wanted) + 1), refused=_said(outcome)
        ), 422
    hall_loop().service.store.audit(_by(), "hall.notices", this_hall(), count=len(wanted))
    notices = (outcome.body or {}).get("notices", wanted)
    return render_template("admin_notices.html", notices=notices, rows=max(NOTICE_ROWS, len(notices) + 1), saved=True)

