"""The kiosk's devices behind one thread-safe interface, Kivy-free.

    devices = KioskDevices(load_config("config/kiosk.toml"), on_event=..., on_health=...)
    devices.start()
    ...
    outcome = devices.print_document(layouts.ticket(slip, lang="zh+en"))
    page = devices.capture_page()
    devices.stop()

**Callbacks.** ``on_event(event)`` receives the small events below; ``on_health(message)``
receives a ``device.health`` message (a JSON-able dict, :meth:`HealthChanged.to_message`) for
every change of any device's health, the first report of each device included, ready to send
to the server as a ``device.health`` request. Both are called from one dispatcher thread
(``kiosk-devices``), in the order things happened, never from the UI thread: a Kivy app
marshals them with ``Clock.schedule_once``. A slow callback delays later events but never
stalls a device; an exception in a callback is logged and dropped.

**Events** (frozen dataclasses): :class:`ReaderReady` (the reader answers: at start, and
again after it was lost), :class:`ReaderLost`, :class:`CardPlaced`, :class:`CardRead` (an
:class:`~idcard.card.IdCard`), :class:`CardFailed` (a plain bilingual sentence saying what to
do), :class:`CardRemoved`, :class:`CodeScanned` (the scanner's text), :class:`KeypadPressed`
(an evaluation keypad's key, if the kiosk has one), :class:`PrintFinished` (a print job ended,
typically a kept one that printed once paper was back).

**Blocking calls.** The camera calls (:meth:`KioskDevices.capture_page`, ``face_present``,
``face_match``, ``read_qr``) take a frame and some OpenCV work: tens to hundreds of ms.
:meth:`~KioskDevices.print_document` returns within ``[printer] ack_wait_s`` (3 s by default),
sooner when the printer is known not to be ready. :meth:`~KioskDevices.print_certificate`
renders a PDF and may call ``lp``: run it off the UI thread.

**Simulated mode.** ``port = "simulated"`` (devices) and ``target = "simulated"`` (printer)
start the byte-faithful simulators on pseudo-terminals; :attr:`KioskDevices.sim` (a
:class:`SimulatedHall`) then places and removes cards, scans codes, switches the printer's
paper, shows camera scenes and collects printed pages. A simulated reader starts empty.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from devices.camera import (
    CameraDevice,
    CameraError,
    DocumentScanner,
    FaceCheck,
    FaceDetector,
    FaceVerifier,
    NoFaceMatcher,
    NoPageFound,
    QrReader,
    SyntheticSource,
    encode_jpeg,
    get_matcher,
)
from devices.config import ConfigError
from devices.factory import SimulatedDevice, build_device
from devices.health import Device, DeviceManager, Health, HealthChanged
from idcard import errors as card_errors
from idcard import reader as card_reader
from idcard.card import IdCard
from idcard.cardfile import SAMPLES_DIR
from idcard.photo import DecodedPhoto, WltPhoto
from kiosk.config import KioskSettings, load_config
from kiosk.texts import T
from printer.device import EscPosPrinter
from printer.document import Document
from printer.spooler import JobState, PrintJob
from printer.status import UNKNOWN, PrinterStatus, StatusLevel
from printer.ticketprinter import TicketPrinter, printer_health
from printer.transports import SerialTransport, open_transport

log = logging.getLogger(__name__)

# --- events ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderReady:
    """The ID card reader answers; ``first`` at start, not after a :class:`ReaderLost`."""

    first: bool = True


@dataclass(frozen=True)
class ReaderLost:
    reason: str


@dataclass(frozen=True)
class CardPlaced:
    """A card lies on the reader; a :class:`CardRead` or :class:`CardFailed` follows."""


@dataclass(frozen=True)
class CardRead:
    card: IdCard


@dataclass(frozen=True)
class CardFailed:
    """The card could not be read. ``zh``/``en`` say what the visitor should do; ``kind``
    is one word for the app and logs (see :data:`CARD_FAILURES`); ``detail`` is the driver's
    error, for a technician (it carries no personal data)."""

    kind: str
    zh: str
    en: str
    detail: str = ""

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class CodeScanned:
    text: str
    device: str = "scanner"


@dataclass(frozen=True)
class KeypadPressed:
    device: str
    event: Any  # devices.keypad event (an evaluation, a call-pad command)


@dataclass(frozen=True)
class PrintFinished:
    job_id: int
    title: str
    printed: bool
    reason: str


KioskEvent = (
    ReaderReady
    | ReaderLost
    | CardPlaced
    | CardRead
    | CardFailed
    | CardRemoved
    | CodeScanned
    | KeypadPressed
    | PrintFinished
)

# kind → (zh, en): what the visitor is told when a card cannot be read.
CARD_FAILURES = ("hold_still", "moved", "reader_fault", "unsupported", "invalid", "other")
"""The kinds of :class:`CardFailed`; what each tells the visitor is ``card_<kind>`` in
:mod:`kiosk.texts`."""


def said(key: str, **blanks: object) -> tuple[str, str]:
    """A sentence of :mod:`kiosk.texts` in Chinese and English, as events and outcomes carry it."""
    return T(key, "zh", **blanks), T(key, "en", **blanks)


def card_failure(error: Exception) -> CardFailed:
    """The visitor-facing sentence for an ``idcard`` error."""
    if isinstance(error, card_errors.CardRemovedError):
        kind = "moved"
    elif isinstance(
        error, card_errors.SamError | card_errors.CommandRejected | card_errors.ReaderUnavailable
    ):
        kind = "reader_fault"
    elif isinstance(error, card_errors.UnsupportedCardType):
        kind = "unsupported"
    elif isinstance(error, card_errors.CardDataError):
        kind = "invalid"
    elif isinstance(
        error,
        card_errors.FrameError
        | card_errors.ReaderTimeout
        | card_errors.UnexpectedReply
        | card_errors.CardReadError
        | card_errors.CardSelectError
        | card_errors.NoCardError,
    ):
        kind = "hold_still"
    else:
        kind = "other"
    zh, en = said(f"card_{kind}")
    return CardFailed(kind=kind, zh=zh, en=en, detail=str(error))


# --- results of calls -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintOutcome:
    """``printed``: the printer confirmed it. ``kept``: the job is in the print queue and
    prints by itself when the printer can (paper loaded, cover closed, back online).
    ``failed``: it will not print (no printer, handed back): show the slip on screen."""

    state: Literal["printed", "kept", "failed"]
    zh: str
    en: str
    job_id: int | None = None
    detail: str = ""

    @property
    def printed(self) -> bool:
        return self.state == "printed"

    @property
    def kept(self) -> bool:
        return self.state == "kept"

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class CapturedPage:
    """A document page from the camera. ``jpeg``: the page, flattened and cropped (None when
    no page was found); ``preview``: a small JPEG of the whole frame with the page outlined,
    for the screen; ``zh``/``en``: what to tell the visitor."""

    found: bool
    jpeg: bytes | None
    preview: bytes | None
    zh: str
    en: str
    paper: str | None = None  # "A4", "id-card", ... when the page snapped to a known size
    size: tuple[int, int] | None = None  # (width, height) of the cropped page

    @property
    def mime(self) -> str:
        return "image/jpeg"

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"


KEPT_TEXT: dict[StatusLevel, str] = {  # why a slip is kept: keys of kiosk.texts
    StatusLevel.PAPER_END: "slip_kept_paper_end",
    StatusLevel.COVER_OPEN: "slip_kept_cover_open",
    StatusLevel.ERROR: "slip_kept_error",
    StatusLevel.OFFLINE: "slip_kept_offline",
    StatusLevel.UNKNOWN: "slip_kept_no_answer",
}


# --- the ticket printer as a managed device: printer.ticketprinter (the window agent has one too)


# --- the simulators ---------------------------------------------------------------------------------


class SimulatedHall:
    """Handles on a simulated kiosk's simulators, for tests and the demo. Each method says
    plainly when the device it needs is not simulated.

    * ``place_card(card)``: a JSON file (``idcard/cards/*.json``), a sample's name
      (``"resident_long_term"``) or an :class:`IdCard`; ``remove_card()``.
    * ``garble_card()``: every read fails its checksum (the kiosk reports :class:`CardFailed`)
      until ``clear_card_faults()``; ``inject_card_fault(spec)`` for any simulator fault.
    * ``unplug_reader()`` / ``replug_reader()``.
    * ``scan(text)``: the scanner sends ``text`` with its suffix.
    * ``paper_out()`` / ``paper_low()`` / ``paper_in()``; ``pages`` and ``wait_pages(n)``
      (printed pages: ``.text``, ``.qr_codes``, ``.image``, ``.path`` of the PNG).
    * ``show(scene, text)``: the synthetic camera shows ``face``, ``qr`` (with ``text``),
      ``page`` or ``blank``.
    """

    def __init__(self, devices: KioskDevices) -> None:
        self._devices = devices

    def _sim(self, kind: str) -> Any:
        dev = self._devices._first(kind)
        if not isinstance(dev, SimulatedDevice):
            raise RuntimeError(f"no simulated {kind} in this kiosk's configuration")
        return dev.simulator

    # ID card reader
    @property
    def reader(self) -> Any:
        """The :class:`~idcard.simulator.IdCardReaderSimulator`."""
        return self._sim("idcard")

    def place_card(self, card: IdCard | str | os.PathLike[str] = "resident_long_term") -> IdCard:
        if isinstance(card, str) and "/" not in card and not card.endswith(".json"):
            card = SAMPLES_DIR / f"{card}.json"
        return self.reader.place(card)  # type: ignore[no-any-return]

    def remove_card(self) -> None:
        self.reader.remove()

    def garble_card(self) -> None:
        self.reader.inject("checksum@read*0")

    def inject_card_fault(self, spec: str) -> None:
        self.reader.inject(spec)

    def clear_card_faults(self) -> None:
        self.reader.clear_faults()

    def unplug_reader(self) -> None:
        self.reader.unplug()

    def replug_reader(self) -> None:
        self.reader.replug()

    # scanner
    @property
    def scanner(self) -> Any:
        """The :class:`~devices.simulators.ScannerSimulator`."""
        return self._sim("scanner")

    def scan(self, text: str, *, suffix: bytes | None = None) -> None:
        self.scanner.scan(text, suffix=suffix)

    # ticket printer
    @property
    def printer(self) -> Any:
        """The :class:`~printer.simulator.PrinterSimulator`."""
        tp = self._devices._printer
        if tp is None or tp.simulator is None:
            raise RuntimeError("no simulated ticket printer in this kiosk's configuration")
        return tp.simulator

    def paper_out(self) -> None:
        self.printer.set_paper("end")

    def paper_low(self) -> None:
        self.printer.set_paper("near_end")

    def paper_in(self) -> None:
        self.printer.set_paper("ok")

    @property
    def pages(self) -> list[Any]:
        return list(self.printer.pages)

    def wait_pages(self, count: int, timeout: float = 5.0) -> list[Any]:
        return self.printer.wait_pages(count, timeout)  # type: ignore[no-any-return]

    # camera
    def show(self, scene: str, text: str = "hall-demo") -> None:
        cam = self._devices._camera
        if cam is None or not str(cam.source_spec).startswith("synthetic"):
            raise RuntimeError("no synthetic camera in this kiosk's configuration")
        source = SyntheticSource(scene, text=text)
        with cam._lock:
            if cam.source is not None:
                cam.source.close()
            cam.source = source
            cam.source_spec = f"synthetic:{scene}"


# --- the kiosk's devices ------------------------------------------------------------------------------

EventCallback = Callable[[KioskEvent], None]
HealthCallback = Callable[[dict[str, Any]], None]
_STOP = object()


class KioskDevices:
    """Every device of one kiosk, built from its settings. Thread-safe; see the module
    docstring for the callbacks' thread and the calls that block."""

    def __init__(
        self,
        settings: KioskSettings,
        *,
        on_event: EventCallback | None = None,
        on_health: HealthCallback | None = None,
        health_interval: float = 0.5,
    ) -> None:
        self.settings = settings
        self.on_event = on_event
        self.on_health = on_health
        self._queue: queue.Queue[Any] = queue.Queue()
        self._dispatcher: threading.Thread | None = None
        self._reader_seen = False
        self._started = False
        self._lock = threading.Lock()
        self._camera: CameraDevice | None = None
        self._printer: TicketPrinter | None = None
        self._face_detector: FaceDetector | None = None
        self._qr = QrReader()
        self._vision_lock = threading.Lock()  # OpenCV detectors are not safe to share across threads
        self._stopped = False
        self._pages = DocumentScanner()
        self.manager = DeviceManager(interval=health_interval, on_change=self._health_changed)
        self.sim = SimulatedHall(self)
        self._sim_dir: Path | None = None
        try:
            self._build()
        except Exception:
            self.manager.stop()  # stops whatever was built (simulators included)
            raise

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **kwargs: Any) -> KioskDevices:
        return cls(load_config(path), **kwargs)

    # -- building ------------------------------------------------------------------------------

    def _sim_folder(self) -> Path:
        if self._sim_dir is None:
            # Short and under /tmp: the simulators' pty links. Removed by the last one out.
            self._sim_dir = Path(tempfile.mkdtemp(prefix=f"hall-{self.settings.kiosk_id}-"))
        return self._sim_dir

    def _build(self) -> None:
        devices = self.settings.devices.devices if self.settings.devices else {}
        for cfg in devices.values():
            simdir = self._sim_folder() if cfg.simulated and cfg.kind != "camera" else None
            dev = build_device(cfg, simulator_dir=simdir, handler=self._keypad_handler(cfg.name))
            self.manager.add(dev)
            inner: Any = dev.device if isinstance(dev, SimulatedDevice) else dev
            if cfg.kind == "idcard":
                inner.poller.on_event = self._card_event
                if isinstance(dev, SimulatedDevice):
                    dev.simulator.remove()  # a simulated kiosk starts with an empty reader
            elif cfg.kind == "scanner":
                inner.on_scan = self._scanned
            elif cfg.kind == "camera" and self._camera is None:
                self._camera = inner
        if self.settings.printer is not None:
            self._printer = self._build_printer()
            self.manager.add(self._printer)

    def _build_printer(self) -> TicketPrinter:
        pc = self.settings.printer
        assert pc is not None
        simulator = None
        if pc.simulated:
            from printer.simulator import PrinterSimulator

            simulator = PrinterSimulator(pc.profile, self.settings.state_dir / "printed")
            path = simulator.start_pty(self._sim_folder() / "printer")
            transport: Any = SerialTransport(path, 115200)
        else:
            try:
                transport = open_transport(pc.target)
            except ValueError as exc:
                raise ConfigError(f"[printer] target: {exc}") from exc
        return TicketPrinter(
            EscPosPrinter(transport, pc.profile),
            hold=pc.hold_s,
            on_job_done=self._job_done,
            simulator=simulator,
            spool_dir=pc.spool_dir,
        )

    def _first(self, kind: str) -> Device | None:
        for dev in self.manager.devices.values():
            if dev.kind == kind:
                return dev
        return None

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start every device (simulators are already running). Once only: after
        :meth:`stop`, build a new :class:`KioskDevices`."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("these kiosk devices were stopped; build new ones")
            if self._started:
                return
            self._started = True
        self._dispatcher = threading.Thread(target=self._dispatch, name="kiosk-devices", daemon=True)
        self._dispatcher.start()
        self.manager.start()

    def stop(self) -> None:
        """Stop every device and simulator. Kept print jobs stay in the printer's spool folder
        and print when the kiosk starts again (without a spool folder they are handed back,
        each reported by a :class:`PrintFinished` with ``printed`` False). Safe to call twice."""
        with self._lock:
            if self._stopped:
                return
            started, self._started, self._stopped = self._started, False, True
        self.manager.stop()
        if self._sim_dir is not None:
            with contextlib.suppress(OSError):
                self._sim_dir.rmdir()
        if started and self._dispatcher is not None:
            self._queue.put(_STOP)
            self._dispatcher.join(5)

    def __enter__(self) -> KioskDevices:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- events --------------------------------------------------------------------------------

    def _post(self, kind: str, item: Any) -> None:
        self._queue.put((kind, item))

    def _dispatch(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            kind, payload = item
            callback = self.on_event if kind == "event" else self.on_health
            if callback is None:
                continue
            try:
                callback(payload)
            except Exception:
                log.exception("kiosk devices: %s callback failed for %r", kind, payload)

    def _card_event(self, ev: card_reader.CardEvent) -> None:
        out: KioskEvent
        if isinstance(ev, card_reader.ReaderReady):
            out = ReaderReady(first=not self._reader_seen)
            self._reader_seen = True
        elif isinstance(ev, card_reader.ReaderLost):
            out = ReaderLost(ev.reason)
        elif isinstance(ev, card_reader.CardPlaced):
            out = CardPlaced()
        elif isinstance(ev, card_reader.CardRead):
            out = CardRead(ev.card)
        elif isinstance(ev, card_reader.CardReadFailed):
            out = card_failure(ev.error)
        elif isinstance(ev, card_reader.CardRemoved):
            out = CardRemoved()
        else:  # pragma: no cover - a new poller event
            return
        self._post("event", out)

    def _scanned(self, result: Any) -> None:
        self._post("event", CodeScanned(result.text, result.device))

    def _keypad_handler(self, name: str) -> Callable[[Any], None]:
        def handle(event: Any) -> None:
            self._post("event", KeypadPressed(name, event))

        return handle

    def _job_done(self, job: PrintJob) -> None:
        printed = job.state in (JobState.PRINTED, JobState.SENT)
        self._post("event", PrintFinished(job.id, job.title, printed, job.reason))

    def _health_changed(self, change: HealthChanged) -> None:
        self._post("health", change.to_message())

    # -- health --------------------------------------------------------------------------------

    def health(self) -> dict[str, Health]:
        """Each device's health as last checked (every ``health_interval`` seconds)."""
        return self.manager.snapshot()

    def health_messages(self) -> list[dict[str, Any]]:
        """The current health of every device as ``device.health`` messages (``old`` None):
        what to send again after the connection to the server comes back."""
        now = dt.datetime.now(dt.UTC)
        return [
            HealthChanged(name, self.manager.devices[name].kind, None, h.status, h.reason, now).to_message()
            for name, h in self.manager.snapshot().items()
        ]

    def printer_status(self) -> PrinterStatus:
        return self._printer.status if self._printer is not None else UNKNOWN

    @property
    def has_printer(self) -> bool:
        return self._printer is not None

    # -- printing ------------------------------------------------------------------------------

    def print_document(
        self, doc: Document | bytes, *, title: str = "", payload: Any = None, wait: float | None = None
    ) -> PrintOutcome:
        """Queue ``doc`` on the ticket printer and say within ``wait`` seconds (default
        ``[printer] ack_wait_s``) whether it printed. A job that cannot print now stays
        queued ("kept") and prints when the printer recovers; a :class:`PrintFinished` event
        reports its end."""
        tp = self._printer
        if tp is None:
            return PrintOutcome("failed", *said("no_printer"))
        try:
            job = tp.spooler.submit(doc, title=title, payload=payload)
        except RuntimeError as exc:
            return PrintOutcome("failed", *said("print_service_stopped"), detail=str(exc))
        assert self.settings.printer is not None
        limit = self.settings.printer.ack_wait_s if wait is None else wait
        deadline = time.monotonic() + limit
        while not job.done:
            # Waiting for the printer, or queued again after an interruption: it is kept.
            if job.state is JobState.QUEUED and job.reason:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                break
            job.wait(min(0.05, left))
        state = job.state
        if state in (JobState.PRINTED, JobState.SENT):
            return PrintOutcome("printed", *said("slip_printed"), job_id=job.id, detail=job.reason)
        if state is JobState.RETURNED:
            st = tp.spooler.last_status
            zh = T("slip_not_printed_because", "zh", why=st.describe("zh"))
            en = T("slip_not_printed_because", "en", why=st.describe("en"))
            return PrintOutcome("failed", zh, en, job_id=job.id, detail=job.reason)
        st = tp.spooler.last_status
        zh, en = said(KEPT_TEXT.get(st.level, "printing"))
        return PrintOutcome("kept", zh, en, job_id=job.id, detail=job.reason or st.describe())

    def pending_jobs(self) -> list[PrintJob]:
        """Jobs kept in the print queue (not yet printed)."""
        return self._printer.spooler.pending() if self._printer is not None else []

    def print_certificate(self, cert: Any) -> Any:
        """A certificate (:class:`printer.certificate.CertificatePrint`) as an A4 PDF, saved
        under the ``[printer.a4]`` folder and, for ``cups:QUEUE``, printed there. Returns the
        :class:`printer.certificate.CertificateOutput` (``error`` says why a print failed;
        the PDF is kept either way). Blocks while rendering and submitting."""
        from printer.certificate import issue_certificate

        pc = self.settings.printer
        if pc is None or pc.a4 is None:
            raise ConfigError("[printer.a4] is not configured: this kiosk cannot print certificates")
        a4 = pc.a4
        return issue_certificate(
            cert,
            a4.folder,
            cups_queue=a4.queue if a4.kind == "cups" else None,
            cups_server=a4.server,
            preview=a4.preview,
        )

    # -- camera --------------------------------------------------------------------------------

    def _frame(self, timeout: float = 1.0) -> np.ndarray | None:
        if self._camera is None:
            return None
        return self._camera.wait_frame(timeout)

    @property
    def has_camera(self) -> bool:
        return self._camera is not None

    def capture_page(self, *, attempts: int = 3) -> CapturedPage:
        """Photograph the document lying under the camera: the page found, flattened and
        cropped as JPEG, plus a preview of the frame with the page outlined."""
        frame = None
        for _ in range(max(1, attempts)):
            frame = self._frame()
            if frame is None:
                return CapturedPage(False, None, None, *said("camera_no_image"))
            try:
                page = self._pages.capture(frame)
            except NoPageFound:
                continue
            return CapturedPage(
                True,
                page.jpeg(90),
                _preview(frame, page.corners),
                *said("page_captured"),
                paper=page.paper,
                size=(int(page.image.shape[1]), int(page.image.shape[0])),
            )
        assert frame is not None
        return CapturedPage(
            False,
            None,
            _preview(frame, None),
            *said("page_not_found"),
        )

    def face_present(self) -> bool:
        """Is a face in front of the kiosk? False without a camera or the face cascade."""
        frame = self._frame()
        if frame is None:
            return False
        detector = self._detector()
        return detector is not None and detector.present(frame)

    def _detector(self) -> FaceDetector | None:
        with self._vision_lock:
            if self._face_detector is None:
                try:
                    self._face_detector = FaceDetector()
                except CameraError as exc:
                    log.warning("face detection unavailable: %s", exc)
                    return None
            return self._face_detector

    def face_match(self, card_photo: IdCard | WltPhoto | DecodedPhoto | np.ndarray) -> FaceCheck | None:
        """Compare the face in view with the card's photo through the installed face-matching
        plug-in (``devices.camera.register_matcher`` or the ``hall.devices.face_matchers``
        entry point). None when no matcher is installed, or when the card's WLT photo cannot
        be decoded (no decoder plug-in): the kiosk then cannot check, and says so."""
        matcher = get_matcher()
        if isinstance(matcher, NoFaceMatcher):
            return None
        try:
            reference = _reference_image(card_photo)
        except card_errors.PhotoError as exc:
            log.info("face match skipped: %s", exc)
            return None
        detector = self._detector()
        if detector is None:
            return None
        frame = self._frame()
        if frame is None:
            return FaceCheck(0, reason="摄像头无画面 / the camera gives no image")
        return FaceVerifier(matcher, detector).check(frame, reference)

    def read_qr(self, timeout: float = 2.0) -> str | None:
        """The first QR code the camera sees within ``timeout`` seconds (a check-in code
        shown on a phone, when the scanner is missing), or None."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._frame(min(1.0, max(0.05, deadline - time.monotonic())))
            if frame is not None:
                with self._vision_lock:
                    codes = self._qr.decode(frame)
                if codes:
                    return codes[0].text
            if time.monotonic() >= deadline:
                return None


def _reference_image(photo: IdCard | WltPhoto | DecodedPhoto | np.ndarray) -> np.ndarray:
    if isinstance(photo, np.ndarray):
        return photo
    if isinstance(photo, IdCard):
        photo = photo.photo
    if isinstance(photo, WltPhoto):
        photo = photo.decode()
    return np.frombuffer(photo.pixels, np.uint8).reshape(photo.height, photo.width, 3)


def _preview(frame: np.ndarray, corners: np.ndarray | None, width: int = 640) -> bytes:
    image = frame.copy()
    if corners is not None:
        cv2.polylines(image, [corners.astype(np.int32).reshape(-1, 1, 2)], True, (0, 200, 0), 3)
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(image, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    return encode_jpeg(image, 80)


__all__ = [
    "CARD_FAILURES",
    "CapturedPage",
    "CardFailed",
    "CardPlaced",
    "CardRead",
    "CardRemoved",
    "CodeScanned",
    "KeypadPressed",
    "KioskDevices",
    "KioskEvent",
    "PrintFinished",
    "PrintOutcome",
    "ReaderLost",
    "ReaderReady",
    "SimulatedHall",
    "TicketPrinter",
    "card_failure",
    "printer_health",
]
