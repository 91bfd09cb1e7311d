"""Helpers of the phone page tests: a phone-sized Chromium, the accessibility check."""

from __future__ import annotations

import json

from playwright.sync_api import Page

from tests.support.hall import ROOT

#: A small Android phone, the size the pages are made for.
PHONE = {"width": 360, "height": 640}
AXE = ROOT / "queue_server" / "web" / "static" / "vendor" / "axe.min.js"
#: What the check refuses (axe-core's impacts are minor, moderate, serious, critical).
SERIOUS = ("serious", "critical")


def axe_violations(page: Page) -> list[dict[str, object]]:
    """The page's serious and critical accessibility violations by axe-core (served from the
    vendor folder, never a CDN), each with its rule, help text and the offending elements."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    return [v for v in result if v["impact"] in SERIOUS]


def assert_accessible(page: Page) -> None:
    bad = axe_violations(page)
    assert not bad, "accessibility violations:\n" + json.dumps(bad, ensure_ascii=False, indent=1)


def assert_fits_phone(page: Page) -> None:
    """Nothing wider than the phone's screen: no sideways scrolling."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px screen"


def assert_private(page: Page) -> None:
    """Nothing on the page looks like an ID number, a token or a hash."""
    import re

    text = page.content()
    visible = page.inner_text("body")
    assert not re.search(r"\b\d{17}[\dXx]\b", visible), "an ID number is shown"
    assert not re.search(r"\b[0-9a-f]{64}\b", text), "a hash is in the page"
