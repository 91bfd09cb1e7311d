"""Opaque backgrounds drawn without blending.

Kivy blends everything it draws. Software rendering (llvmpipe) then reads every pixel under a
rectangle before writing it: a full-screen rectangle costs 27 ms of CPU blended and 16 ms not
(1920×1080, one core). The screens' cells and panels are opaque, so kv rules wrap their
background rectangle in ``Callback: callback: opaque.blending_off`` … ``opaque.blending_on``.
Only for colours with alpha 1 in widgets that are never faded (blending is what applies a
widget's opacity).
"""

from __future__ import annotations

from typing import Any

from kivy.graphics.opengl import GL_BLEND, glDisable, glEnable


def blending_off(_instruction: Any) -> None:
    glDisable(GL_BLEND)


def blending_on(_instruction: Any) -> None:
    glEnable(GL_BLEND)  # Kivy's own state: on from start to end of every frame
