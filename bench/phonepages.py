"""Part (c) of ``bench/web.py``: the visitors' ticket pages with hundreds of phones open.

``--phones`` tickets are taken and each gets its page's event stream from the phone fan-out
(``queue_server/live``), opened by asyncio clients in one thread (a socket each, reading
the stream as EventSource does). Then:

- the server's RSS before and after they opened: the memory each open page costs;
- the ticket page's load (``GET /m/ticket/<id>?token=``, server-rendered) with them open,
  over HTTP and in Chromium at 360×640;
- call → page: a call pad at window 1 calls the next visitor ``--phone-calls`` times (starting
  and completing each before the next), and every waiting page's count of people ahead must
  move; the time from the call's send to its event arriving in each page, p50/p99 over
  every (call, page) pair.

Run on its own with ``bench/web.py --only phones``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psutil
import requests

from protocol.client import HallClient
from protocol.keys import CurveClientKeys
from tests.support.hall import HallProcess

TARGET_LOAD_MS = 200.0
TARGET_UPDATE_MS = 200.0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


@dataclass
class PhonePage:
    ticket: str
    token: str
    #: (arrival time, people ahead) of every event
    events: list[tuple[float, int | None]] = field(default_factory=list)
    open: bool = False
    refused: str = ""


async def _follow(port: int, page: PhonePage, stop: asyncio.Event) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        page.refused = str(e)
        return
    writer.write(f"GET /live/ticket/{page.ticket}?token={page.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        page.refused = head.split(b"\r\n", 1)[0].decode()
        writer.close()
        return
    page.open = True
    data = None
    try:
        while not stop.is_set():
            line = await reader.readline()
            if not line:
                break
            line = line.rstrip(b"\r\n")
            if line.startswith(b"data: "):
                data = line[6:]
            elif not line and data is not None:  # the frame's end: EventSource dispatches it
                page.events.append((time.time(), json.loads(data).get("position")))
                data = None
    finally:
        page.open = False
        writer.close()


class Phones:
    """The phones' streams, in an asyncio loop of their own thread."""

    def __init__(self, port: int, pages: list[PhonePage]) -> None:
        self.port = port
        self.pages = pages
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.stop_event = asyncio.Event()

        async def main() -> None:
            tasks = []
            for page in self.pages:
                tasks.append(asyncio.create_task(_follow(self.port, page, self.stop_event)))  # type: ignore[arg-type]
                await asyncio.sleep(0.002)  # phones arrive one after the other
            await asyncio.gather(*tasks, return_exceptions=True)

        self.loop.run_until_complete(main())

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)


def run(hall: HallProcess, api: requests.Session, base_p50: float, phones: int, calls: int, chromium: Any) -> None:
    """Part (c); ``chromium``: a launched Playwright browser."""
    proc = psutil.Process(hall.proc.pid)  # type: ignore[union-attr]
    items = api.get(hall.http + "/api/v1/catalogue", timeout=10).json()["items"]
    item = next(i["code"] for i in items if i["stream"] == "citizen")
    tickets = []
    for _ in range(phones + calls):
        r = api.post(hall.http + "/api/v1/tickets", json={"item_code": item}, timeout=10)
        r.raise_for_status()
        tickets.append(r.json())
    time.sleep(1.0)
    rss_before = proc.memory_info().rss
    pages = [PhonePage(t["id"], t["token"]) for t in tickets[calls:]]  # the first ones are called
    fan = Phones(hall.phone_port, pages)
    t_open = time.perf_counter()
    fan.start()
    deadline = time.time() + 60
    while sum(p.open for p in pages) < len(pages) and time.time() < deadline:
        time.sleep(0.1)
    opened_s = time.perf_counter() - t_open
    time.sleep(2.0)
    rss_after = proc.memory_info().rss
    opened = sum(p.open for p in pages)
    refused = [p.refused for p in pages if p.refused]
    print(f"(c) ticket pages: {opened} of {len(pages)} phones on their stream after {opened_s:.1f} s"
          f"{f'; refused: {refused[:3]}' if refused else ''}")
    print(f"  server RSS {rss_before / 2**20:.1f} MiB → {rss_after / 2**20:.1f} MiB: "
          f"{(rss_after - rss_before) / max(1, opened) / 1024:.1f} KiB per open page")
    try:
        # ---- page load with the phones open
        s = requests.Session()
        loads = []
        for t in tickets[calls : calls + 200]:
            t0 = time.perf_counter()
            r = s.get(t["page_url"], timeout=10)
            r.raise_for_status()
            loads.append(time.perf_counter() - t0)
        ctx = chromium.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN")
        page = ctx.new_page()
        full = []
        for t in tickets[calls : calls + 20]:
            page.goto(t["page_url"], wait_until="load")
            full.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
        ctx.close()
        for what, values in ((f"GET /m/ticket ({len(loads)})", loads), (f"Chromium load event ({len(full)})", full)):
            p50, p99 = statistics.median(values), pct(values, 0.99)
            print(f"  {what:<27} p50 {ms(p50)} ({p50 / base_p50:.1f}x baseline)  p99 {ms(p99)} "
                  f"({p99 / base_p50:.1f}x baseline)  target < {TARGET_LOAD_MS:.0f} ms: "
                  f"{'met' if p99 * 1000 < TARGET_LOAD_MS else 'NOT met'}")

        # ---- call → every waiting page
        keys = hall.pad  # type: ignore[attr-defined]
        pad = HallClient(hall.router, curve=CurveClientKeys.from_files(keys["server_public"], keys["secret"]), timeout=10)
        lat: list[float] = []
        missing = 0
        rtt = []
        with pad:
            for _ in range(calls):
                marks = {id(p): len(p.events) for p in pages}
                t0 = time.time()
                called = pad.request("window.call_next", {"window": 1})["ticket"]
                rtt.append(time.time() - t0)
                time.sleep(0.6)
                for p in pages:
                    new = p.events[marks[id(p)] :]
                    moved = [at for at, _ in new]
                    if moved:
                        lat.append(moved[0] - t0)
                    elif p.open:
                        missing += 1
                pad.request("ticket.start", {"ticket": called["id"]})
                pad.request("ticket.complete", {"ticket": called["id"]})
                time.sleep(0.3)
        p50, p99 = statistics.median(lat), pct(lat, 0.99)
        print(f"  call (ZeroMQ, call pad) reply: p50 {ms(statistics.median(rtt))}  p99 {ms(pct(rtt, 0.99))}")
        print(f"  call → page, {calls} calls × {opened} pages ({len(lat)} arrivals, {missing} never arrived): "
              f"p50 {ms(p50)} ({p50 / base_p50:.1f}x baseline)  p99 {ms(p99)} ({p99 / base_p50:.1f}x baseline)  "
              f"max {ms(max(lat))}  target p99 < {TARGET_UPDATE_MS:.0f} ms: "
              f"{'met' if p99 * 1000 < TARGET_UPDATE_MS else 'NOT met'}")
        health = requests.get(hall.phone_live + "/live/health", timeout=10).json()
        print(f"  fan-out at the end: {health['pages']} pages on {health['tickets']} tickets; "
              f"server CPU time {sum(proc.cpu_times()[:2]):.1f} s in all")
    finally:
        fan.stop()
