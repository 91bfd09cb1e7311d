"""The role model: staff above every device, devices side by side."""

from __future__ import annotations

import pytest

from queue_server.auth import ROLE_RANK, Actor

#: (role of the actor, role a request needs) -> allowed
CASES = {
    ("callpad", "clerk"): False,  # a call pad is no member of staff
    ("callpad", "kiosk"): False,  # nor a kiosk: it reads no ID card, prints nothing
    ("kiosk", "callpad"): False,  # a kiosk calls nobody
    ("callpad", "callpad"): True,
    ("kiosk", "kiosk"): True,
    ("callpad", "public"): True,
    ("display", "public"): True,
    ("public", "display"): True,  # rank 0 holds nothing: the board's data is public
    ("public", "kiosk"): False,
    ("clerk", "callpad"): True,  # the console calls numbers like the window's pad
    ("clerk", "kiosk"): True,
    ("clerk", "manager"): False,
    ("manager", "clerk"): True,
    ("admin", "manager"): True,
    ("nobody-knows", "public"): False,
}


@pytest.mark.parametrize(("mine", "needed"), list(CASES))
def test_at_least(mine: str, needed: str) -> None:
    assert Actor("device", "x", mine).at_least(needed) is CASES[(mine, needed)]


def test_every_device_ranks_below_every_member_of_staff() -> None:
    for device in ("display", "kiosk", "callpad"):
        for staff in ("clerk", "manager", "admin"):
            assert ROLE_RANK[device] < ROLE_RANK[staff]
