"""A window's load at a glance (``HallEngine.window_load``, in every window's view): who waits
that the window may call, and the first of each of its lines, which hold the longest waits.

The hall of ``support``: windows 1, 2 comprehensive (citizen), 3 dedicated to C2, 4
enterprise, 5 green channel; items C1, C2 (citizen) and E1, E2 (enterprise)."""

from __future__ import annotations

from queue_server.engine.views import window_view

from .support import Hall


def load(h: Hall, number: int) -> dict[str, object]:
    return window_view(h.engine, h.engine.windows[number])["load"]  # type: ignore[no-any-return]


def test_each_window_counts_whom_it_may_call() -> None:
    h = Hall()
    for item in ("C1", "C2", "C2", "E1"):
        h.tick(60).issue(item)
    assert load(h, 1)["waiting"] == 3  # the citizen stream
    assert load(h, 3)["waiting"] == 2  # dedicated to C2
    assert load(h, 4)["waiting"] == 1  # enterprise
    h.open(1, "k1")
    h.call(1)
    assert load(h, 1)["waiting"] == 2 and load(h, 4)["waiting"] == 1


def test_the_heads_hold_the_longest_wait_of_the_window_s_line() -> None:
    h = Hall()
    first = h.issue("C2")
    h.tick(600).issue("C1")
    h.tick(600).issue("E1")
    heads = load(h, 1)["heads"]
    assert min(x["issued_at"] for x in heads) == first.issued_at  # type: ignore[attr-defined, index]
    assert {x["item_code"] for x in load(h, 4)["heads"]} == {"E1"}  # type: ignore[attr-defined, index]
    assert load(h, 2)["heads"] == load(h, 1)["heads"]
    h.open(2, "k2")
    h.call(2)  # the oldest goes to window 2: window 1's longest wait is the next one now
    assert all(x["issued_at"] > first.issued_at for x in load(h, 1)["heads"])  # type: ignore[attr-defined, index]


def test_a_transfer_to_a_window_is_its_head() -> None:
    h = Hall()
    h.open(1, "k1")
    h.open(5, "k5")
    older = h.issue("C2")
    t = h.tick(60).issue("C1")
    h.call(1)  # the older C2
    h.complete(older.id)
    h.call(1)
    h.tick().transfer(t.id, to_window=5, note="老年人，请绿色通道办理")
    assert [x["item_code"] for x in load(h, 5)["heads"]] == ["C1"]  # type: ignore[attr-defined, index]
