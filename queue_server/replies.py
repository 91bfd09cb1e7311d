"""The answers given to idempotency keys, kept for a day so a retry gets the first answer."""

from __future__ import annotations

from collections import deque


class RecentReplies:
    """Key → first answer (UTF-8 JSON bytes), forgotten after ``window_s``.

    Times are kept per minute, not per key: at 100,000 answers a day a time and a tuple per
    key would cost about 8 MB for nothing."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._answers: dict[str, bytes] = {}
        self._minutes: deque[tuple[int, list[str]]] = deque()  # oldest first

    def get(self, key: str) -> bytes | None:
        return self._answers.get(key)

    def put(self, key: str, at: float, answer: bytes) -> None:
        minute = int(at // 60)
        if not self._minutes or self._minutes[-1][0] < minute:
            self._minutes.append((minute, []))
        self._minutes[-1][1].append(key)
        self._answers[key] = answer

    def forget_before(self, at: float) -> None:
        horizon = int(at // 60)
        while self._minutes and self._minutes[0][0] < horizon:
            for key in self._minutes.popleft()[1]:
                self._answers.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._answers

    def __len__(self) -> int:
        return len(self._answers)
