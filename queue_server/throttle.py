"""How many wrong codes and tokens a client may try: a failure budget per client.

Check codes (6 characters of 32), appointment codes, certificate codes and ticket tokens are
the only thing between the public and a visitor's case or ticket, so guessing them must be
slow. Each client (an enrolled device over ZeroMQ, an address over HTTP, a token) has a
bucket of ``CAPACITY`` failures that refills by one every ``REFILL_S`` seconds. Only failures
spend it; while it is empty, every request of that client that checks a code, a token or an
ID match is refused with ``too_many_requests``, even with the right code, so a guesser cannot
learn anything more until the bucket refills.

Why 10 and 30 s: a visitor mistypes a code a few times, a kiosk shared by a queue of visitors
sees a typo now and then, never ten in a row; a guesser gets 10 tries and then 2 a minute,
2,880 a day, against about 10⁹ check codes (32⁶): one case's code in ~500 years on average.

The table is used from the hall loop thread and from the case desk's worker threads (one
lock), holds only clients that failed, forgets a client once its bucket is full again (it
is then no different from a new one), and never grows beyond ``MAX_CLIENTS``.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .engine.errors import EngineError

if TYPE_CHECKING:
    from .auth import Actor
    from .service import HallService

CAPACITY = 10
REFILL_S = 30.0
MAX_CLIENTS = 10_000
PRUNE_EVERY_S = 60.0


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # when ``tokens`` was last brought up to date


class FailureBudget:
    """A token bucket of failures per client; thread-safe; ``clock`` is injectable for tests
    (monotonic by default: a wall clock set back would stop the refill)."""

    def __init__(
        self,
        capacity: int = CAPACITY,
        refill_s: float = REFILL_S,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or refill_s <= 0 or max_clients < 1:
            raise ValueError("capacity and max_clients must be at least 1, refill_s positive")
        self.capacity = capacity
        self.refill_s = refill_s
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._prune_at = clock() + PRUNE_EVERY_S

    def record(self, client: str, ok: bool) -> float | None:
        """One check of a code by ``client``: ``None`` when it may be answered (a failure is
        counted), else the seconds until it may try again (nothing is counted then)."""
        with self._lock:
            now = self.clock()
            if now >= self._prune_at:
                self._forget_full(now)
                self._prune_at = now + PRUNE_EVERY_S
            b = self._buckets.get(client)
            if b is not None:
                self._refill(b, now)
                if b.tokens < 1:
                    return (1 - b.tokens) * self.refill_s
            if ok:
                return None
            if b is None:
                if len(self._buckets) >= self.max_clients:
                    self._make_room(now)
                b = self._buckets[client] = _Bucket(float(self.capacity), now)
            b.tokens -= 1
            return None

    def clients(self) -> int:
        with self._lock:
            return len(self._buckets)

    def _refill(self, b: _Bucket, now: float) -> None:
        b.tokens = min(self.capacity, b.tokens + max(0.0, now - b.at) / self.refill_s)
        b.at = now

    def _forget_full(self, now: float) -> None:
        for client, b in list(self._buckets.items()):
            self._refill(b, now)
            if b.tokens >= self.capacity:
                del self._buckets[client]

    def _make_room(self, now: float) -> None:
        """At the cap: forget the refilled, then the tenth that spent least, never the
        guessers (who spent most): flooding the table with new clients frees nobody."""
        self._forget_full(now)
        if len(self._buckets) < self.max_clients:
            return
        keep = sorted(self._buckets.items(), key=lambda kv: kv[1].tokens)
        drop = max(1, len(keep) // 10)
        self._buckets = dict(keep[: len(keep) - drop])


# ------------------------------------------------------------------ the hall's budget
def install(service: HallService, budget: FailureBudget) -> None:
    """Use this budget for the service's handlers (tests give one with their own clock); the
    hall's own is made with its ``HallContext``."""
    service.context.budget = budget


def client_of(actor: Actor) -> str:
    """Whose budget a request spends: the enrolled device, the token, or the address (an
    IPv6 client by its /64, which one subscriber holds whole)."""
    if actor.kind == "anonymous" and actor.name.startswith("ip:"):
        try:
            addr = ipaddress.ip_address(actor.name[3:])
        except ValueError:
            return actor.name
        if isinstance(addr, ipaddress.IPv6Address):
            if addr.ipv4_mapped is not None:
                return f"ip:{addr.ipv4_mapped}"
            return f"ip:{ipaddress.IPv6Network((addr, 64), strict=False)}"
        return f"ip:{addr}"
    return f"{actor.kind}:{actor.name}:{actor.clerk or ''}"


def same_secret(given: object, expected: str) -> bool:
    """Constant-time comparison that takes any value from a request body: not a string, or
    any text at all (``hmac.compare_digest`` refuses non-ASCII ``str``), is just wrong."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def check(budget: FailureBudget, actor: Actor, ok: bool) -> None:
    """Count one check of a code, token or ID match against the hall's ``budget``; refuse the
    request if the client's budget is spent. The caller then answers a failed check as it
    always did."""
    wait = budget.record(client_of(actor), ok)
    if wait is not None:
        raise too_many_requests(wait)


def too_many_requests(wait_s: float) -> EngineError:
    seconds = max(1, math.ceil(wait_s))
    return EngineError(
        "too_many_requests",
        f"too many wrong codes from this client; try again in {seconds} s",
        f"错误次数过多，请 {seconds} 秒后再试",
        retry_after_s=seconds,
    )
