"""Camera over OpenCV (``opencv-python-headless<5``): frame sources, QR codes, document
capture, face presence, and face matching behind a plug-in interface.

* Sources: a device index, a video file, a folder of images, or a synthetic scene; all give
  BGR ``numpy`` frames through :class:`FrameSource`.
* QR: ``cv2.QRCodeDetector`` (then the ArUco-based detector, then an upscaled and a
  binarised retry: codes on phones are small, tilted and glare-prone).
* Document capture: find the page (largest convex quadrilateral), recover its true aspect
  ratio from the perspective (Zhang & He, "Whiteboard scanning", 2007: the corners of a
  rectangle seen by a pinhole camera fix the focal length and the ratio), warp it flat,
  divide out the uneven light, and save as JPEG or as a PDF page.
* Faces: the Haar frontal-face cascade shipped in OpenCV 4.x wheels tells whether someone is
  in front of the kiosk. Whether it is the card holder needs a face-recognition model, which
  no wheel ships: a :class:`FaceMatcher` plug-in provides it.
"""

from __future__ import annotations

import io
import math
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from devices.health import Health


class CameraError(Exception):
    """Base of camera errors; messages are Chinese first, English second."""


class CameraUnavailable(CameraError):
    pass


class NoPageFound(CameraError):
    pass


class FaceMatcherMissing(CameraError):
    pass


# --- sources ----------------------------------------------------------------------------------


@runtime_checkable
class FrameSource(Protocol):
    def read(self) -> np.ndarray | None:
        """The next BGR frame, or None when the source has no more (or failed)."""

    def close(self) -> None: ...


class VideoCaptureSource:
    """A camera by device index, or a video file, through ``cv2.VideoCapture``."""

    def __init__(self, target: int | str) -> None:
        self.target = target
        self._cap = cv2.VideoCapture(target)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraUnavailable(f"无法打开摄像头或视频 / cannot open camera or video {target!r}")

    def read(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        self._cap.release()


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


class ImageFolderSource:
    """Images of a folder in name order, each once (or round and round with ``loop``)."""

    def __init__(self, folder: str | os.PathLike[str], *, loop: bool = False) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CameraUnavailable(f"图片文件夹不存在 / no such image folder {self.folder}")
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        self.loop = loop
        self._i = 0

    def read(self) -> np.ndarray | None:
        for _ in range(len(self.files)):  # at most one round, so unreadable files cannot spin
            if self._i >= len(self.files) and not self.loop:
                return None
            path = self.files[self._i % len(self.files)]
            self._i += 1
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is not None:
                return frame
        return None

    def close(self) -> None:
        pass


class SyntheticSource:
    """Generated frames for a kiosk with no camera (demo) or a test: ``scene`` is ``blank``,
    ``qr`` (with ``text``), ``page`` or ``face``. Each frame differs by its noise, as a real
    sensor's would, so a frozen-frame check still sees a live camera."""

    def __init__(self, scene: str = "face", *, text: str = "hall-demo", size: tuple[int, int] = (640, 480)):
        from devices import synthetic

        self.scene = scene
        self.size = size
        self._n = 0
        if scene == "qr":
            self._base = synthetic.qr_scene(text, size=size, noise=0)
        elif scene == "page":
            self._base, _ = synthetic.photograph_page(synthetic.document_page(600), frame_size=size, noise=0)
        elif scene == "face":
            self._base = synthetic.face_scene(size=size, noise=0)
        elif scene == "blank":
            self._base = np.full((size[1], size[0], 3), 100, np.uint8)
        else:
            raise ValueError(f"unknown synthetic scene {scene!r}")

    def read(self) -> np.ndarray | None:
        from devices.synthetic import add_noise

        self._n += 1
        return add_noise(self._base, 3.0, seed=self._n)

    def close(self) -> None:
        pass


def open_source(spec: str | int) -> FrameSource:
    """``device:0`` (or ``0``), ``file:PATH`` (or a video path), ``folder:PATH`` (or a folder),
    ``synthetic[:SCENE[:TEXT]]``."""
    if isinstance(spec, int):
        return VideoCaptureSource(spec)
    kind, _, rest = spec.partition(":")
    if kind == "device":
        return VideoCaptureSource(int(rest or 0))
    if kind == "file":
        if not Path(rest).is_file():
            raise CameraUnavailable(f"视频文件不存在 / no such video file {rest}")
        return VideoCaptureSource(rest)
    if kind == "folder":
        return ImageFolderSource(rest)
    if kind == "synthetic":
        scene, _, text = rest.partition(":")
        return SyntheticSource(scene or "face", text=text or "hall-demo")
    if spec.isdigit():
        return VideoCaptureSource(int(spec))
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path)
    if path.is_file():
        return VideoCaptureSource(str(path))
    raise CameraUnavailable(f"无法识别的摄像头来源 / unknown camera source {spec!r}")


def frames(source: FrameSource, limit: int | None = None) -> Iterator[np.ndarray]:
    n = 0
    while limit is None or n < limit:
        frame = source.read()
        if frame is None:
            return
        n += 1
        yield frame


# --- QR codes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrCode:
    text: str
    corners: np.ndarray  # 4×2, in frame pixels


class QrReader:
    def __init__(self) -> None:
        self._plain = cv2.QRCodeDetector()
        self._aruco = cv2.QRCodeDetectorAruco() if hasattr(cv2, "QRCodeDetectorAruco") else None

    def decode(self, frame: np.ndarray) -> list[QrCode]:
        """Every QR code found in ``frame``, each text once."""
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        attempts: list[tuple[np.ndarray, float]] = [(gray, 1.0)]
        if max(gray.shape) < 1600:
            attempts.append((cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0))
        blurred = cv2.GaussianBlur(gray, (5, 5), 0)
        attempts.append(
            (
                cv2.adaptiveThreshold(blurred, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5),
                1.0,
            )
        )
        for image, scale in attempts:
            for detector in (self._plain, self._aruco):
                if detector is None:
                    continue
                found = self._run(detector, image, scale)
                if found:
                    return found
        return []

    @staticmethod
    def _run(detector: cv2.QRCodeDetector, image: np.ndarray, scale: float) -> list[QrCode]:
        try:
            ok, texts, points, _ = detector.detectAndDecodeMulti(image)
        except cv2.error:
            return []
        if not ok or points is None:
            return []
        out: dict[str, QrCode] = {}
        for text, pts in zip(texts, points, strict=False):
            if text and text not in out:
                out[text] = QrCode(text, np.asarray(pts, np.float32).reshape(4, 2) / scale)
        return list(out.values())


# --- document capture -------------------------------------------------------------------------

# Paper and card sizes a capture snaps to when the measured ratio is within SNAP_TOLERANCE:
# the measurement is good to a few per cent, the paper is exact.
KNOWN_ASPECTS = {"A4": 297 / 210, "letter": 11 / 8.5, "id-card": 85.6 / 54.0}
SNAP_TOLERANCE = 0.04


@dataclass(frozen=True)
class PageCapture:
    image: np.ndarray  # the flattened page, BGR
    corners: np.ndarray  # TL, TR, BR, BL in the source frame
    aspect: float  # width / height of the page as captured
    paper: str | None  # a known size it was snapped to

    def jpeg(self, quality: int = 90) -> bytes:
        return encode_jpeg(self.image, quality)


def order_corners(pts: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL from four points in any order: clockwise around the centre (image y
    points down), starting from the corner nearest the frame's top left. Sorting by angle
    keeps neighbours adjacent even for a page turned 45°, where x+y sorting breaks down."""
    pts = np.asarray(pts, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    cyclic = pts[np.argsort(angles)]
    start = int(np.argmin(cyclic.sum(axis=1)))
    return np.roll(cyclic, -start, axis=0)


def find_page(frame: np.ndarray, *, min_area: float = 0.15) -> np.ndarray | None:
    """Corners (TL, TR, BR, BL) of the page: a convex quadrilateral covering at least
    ``min_area`` of the frame and not running off its edges, or None. Works on a downscaled
    copy: page outlines are big, and noise is smaller there."""
    h, w = frame.shape[:2]
    scale = 800 / max(h, w) if max(h, w) > 800 else 1.0
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale != 1 else frame
    gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    # Masks from the most to the least reliable: paper brighter than the desk (global, then
    # local threshold, which survives light falling off across the page), then edges (a page
    # on a light desk). The first mask that yields a clean quadrilateral wins.
    _, otsu = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    local = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 101, -5)
    edges = cv2.dilate(cv2.Canny(gray, 30, 90), np.ones((3, 3), np.uint8), iterations=2)
    close = np.ones((9, 9), np.uint8)
    for mask in (
        cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, close),
        cv2.morphologyEx(local, cv2.MORPH_CLOSE, close),
        edges,
    ):
        quad = _page_quad(mask, min_area)
        if quad is not None:
            return order_corners(quad / scale)
    return None


def _page_quad(mask: np.ndarray, min_area: float) -> np.ndarray | None:
    sh, sw = mask.shape[:2]
    margin = 0.01 * max(sh, sw)
    best: np.ndarray | None = None
    best_area = min_area * sh * sw
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < best_area:
            continue
        # A blob that runs off two or more edges of the frame is the desk, not a page.
        x, y, bw, bh = cv2.boundingRect(contour)
        touched = (x <= margin) + (y <= margin) + (x + bw >= sw - margin) + (y + bh >= sh - margin)
        if touched >= 2:
            continue
        hull = cv2.convexHull(contour)
        perimeter = cv2.arcLength(hull, True)
        for eps in (0.01, 0.02, 0.03, 0.05):
            quad = cv2.approxPolyDP(hull, eps * perimeter, True)
            if len(quad) != 4 or not cv2.isContourConvex(quad):
                continue
            # The blob must fill its quadrilateral: a page is solid, a tangle of edges is not.
            quad_area = cv2.contourArea(quad)
            if 0.9 <= area / quad_area <= 1.1 and quad_area > best_area:
                best, best_area = quad.reshape(4, 2).astype(np.float32), quad_area
            break
    return best


def estimate_aspect(corners: np.ndarray, frame_size: tuple[int, int]) -> float:
    """Width/height of the real rectangle whose image has these corners (TL, TR, BR, BL),
    assuming square pixels and the principal point at the frame centre."""
    w, h = frame_size
    tl, tr, br, bl = (np.array([x - w / 2, y - h / 2, 1.0]) for x, y in corners)
    m1, m2, m3, m4 = tl, tr, bl, br
    denom2 = np.dot(np.cross(m2, m4), m3)
    denom3 = np.dot(np.cross(m3, m4), m2)
    if abs(denom2) < 1e-9 or abs(denom3) < 1e-9:
        return _edge_aspect(corners)
    k2 = np.dot(np.cross(m1, m4), m3) / denom2
    k3 = np.dot(np.cross(m1, m4), m2) / denom3
    n2 = k2 * m2 - m1
    n3 = k3 * m3 - m1
    f2: float | None = None
    if abs(n2[2] * n3[2]) > 1e-12:
        f2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2])
    # Near a frontal view the focal length is undetermined (and irrelevant); outside a sane
    # range it is noise. Assume a webcam's ~53° field of view then.
    if f2 is None or not (0.3 * w) ** 2 <= f2 <= (10 * w) ** 2:
        f2 = float(w) ** 2
    num = n2[0] ** 2 + n2[1] ** 2 + f2 * n2[2] ** 2
    den = n3[0] ** 2 + n3[1] ** 2 + f2 * n3[2] ** 2
    if den <= 0 or num <= 0:
        return _edge_aspect(corners)
    return math.sqrt(num / den)


def _edge_aspect(corners: np.ndarray) -> float:
    tl, tr, br, bl = corners
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width / height)


def snap_aspect(aspect: float) -> tuple[float, str | None]:
    long_side = max(aspect, 1 / aspect)
    for name, ratio in KNOWN_ASPECTS.items():
        if abs(long_side / ratio - 1) <= SNAP_TOLERANCE:
            return (ratio if aspect >= 1 else 1 / ratio), name
    return aspect, None


def flatten_illumination(image: np.ndarray, *, kernel: int | None = None) -> np.ndarray:
    """Divide out the light: the paper's own brightness is estimated by a grey-level closing
    (which erases thin dark print) and a blur, and each pixel is scaled so that the paper
    comes out evenly white while print keeps its contrast. Light varies slowly, so the
    estimate is made at a quarter of the size, which is 16 times cheaper."""
    h, w = image.shape[:2]
    factor = 4 if min(h, w) >= 200 else 1
    small = cv2.resize(image, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    k = kernel or max(5, (min(small.shape[:2]) // 12) | 1)
    element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, element)
    background = cv2.GaussianBlur(background, (0, 0), k / 2)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    background = np.maximum(background, 1)
    return cv2.divide(image, background, scale=245)


class DocumentScanner:
    """Page → flat, evenly lit, rectangular image at the page's true proportions."""

    def __init__(self, *, height: int = 1400, min_area: float = 0.15, snap: bool = True) -> None:
        self.height = height
        self.min_area = min_area
        self.snap = snap

    def capture(self, frame: np.ndarray, *, flatten: bool = True) -> PageCapture:
        corners = find_page(frame, min_area=self.min_area)
        if corners is None:
            raise NoPageFound("未找到文件页面，请将材料平放在拍摄区 / no page found: lay the document flat")
        aspect = estimate_aspect(corners, (frame.shape[1], frame.shape[0]))
        paper = None
        if self.snap:
            aspect, paper = snap_aspect(aspect)
        out_h = self.height
        out_w = max(1, round(out_h * aspect))
        dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
        matrix = cv2.getPerspectiveTransform(corners, dst)
        page = cv2.warpPerspective(frame, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
        if flatten:
            page = flatten_illumination(page)
        return PageCapture(image=page, corners=corners, aspect=out_w / out_h, paper=paper)


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise CameraError("JPEG 编码失败 / JPEG encoding failed")
    return buf.tobytes()


def pdf_from_images(images: Sequence[np.ndarray], *, dpi: float = 150.0, quality: int = 85) -> bytes:
    """A PDF with one page per image, each the image's size at ``dpi``. Pages hold the JPEG
    bytes as they are (DCTDecode): no re-encoding, no PDF library needed."""
    objects: list[bytes] = []

    def add(obj: bytes) -> int:
        objects.append(obj)
        return len(objects)

    catalog = add(b"")  # filled in once the page numbers are known
    pages = add(b"")
    kids = []
    for image in images:
        jpeg = encode_jpeg(image, quality)
        h, w = image.shape[:2]
        colour = b"/DeviceGray" if image.ndim == 2 else b"/DeviceRGB"
        img = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 "
            b"/Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, colour, len(jpeg)) + jpeg + b"\nendstream"
        )
        pw, ph = w * 72 / dpi, h * 72 / dpi
        content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (pages, pw, ph, img, stream)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
    objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    )
    return out.getvalue()


def save_capture(capture: PageCapture | Sequence[PageCapture], path: str | os.PathLike[str]) -> Path:
    """Save as JPEG (``.jpg``/``.jpeg``, one page) or PDF (``.pdf``, one page per capture)."""
    path = Path(path)
    captures = [capture] if isinstance(capture, PageCapture) else list(capture)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(pdf_from_images([c.image for c in captures]))
    elif path.suffix.lower() in (".jpg", ".jpeg"):
        if len(captures) != 1:
            raise ValueError("a JPEG holds one page; save several as PDF")
        path.write_bytes(captures[0].jpeg())
    else:
        raise ValueError(f"save as .jpg or .pdf, not {path.suffix}")
    return path


# --- faces ------------------------------------------------------------------------------------

FACE_CASCADE = "haarcascade_frontalface_default.xml"


class FaceDetector:
    def __init__(self, *, min_size: int = 60, cascade: str | None = None) -> None:
        # OpenCV 5 wheels have neither cv2.data nor CascadeClassifier: say so plainly.
        folder = cv2.data.haarcascades if hasattr(cv2, "data") else ""
        path = cascade or os.path.join(folder, FACE_CASCADE)
        if not hasattr(cv2, "CascadeClassifier") or not os.path.isfile(path):
            raise CameraError(
                "人脸检测模型缺失（需要 opencv-python-headless<5）/ face cascade missing (needs opencv-python-headless<5)"
            )
        self._cascade = cv2.CascadeClassifier(path)
        self.min_size = min_size
        self._lock = threading.Lock()  # CascadeClassifier is not safe to share across threads

    def detect(self, frame: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Face rectangles (x, y, w, h), largest first."""
        # No histogram equalisation: it turns desk grain into face-like patterns.
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        with self._lock:
            found = self._cascade.detectMultiScale(
                gray, scaleFactor=1.1, minNeighbors=5, minSize=(self.min_size, self.min_size)
            )
        rects = [tuple(int(v) for v in r) for r in found] if len(found) else []
        return sorted(rects, key=lambda r: r[2] * r[3], reverse=True)  # type: ignore[return-value]

    def present(self, frame: np.ndarray) -> bool:
        return bool(self.detect(frame))


@runtime_checkable
class FaceMatcher(Protocol):
    """A face-recognition model plug-in: similarity in [0, 1] of two face images (BGR)."""

    name: str

    def similarity(self, face: np.ndarray, reference: np.ndarray) -> float: ...


class NoFaceMatcher:
    name = "none"

    def similarity(self, face: np.ndarray, reference: np.ndarray) -> float:
        raise FaceMatcherMissing("未安装人脸比对模型 / no face-matching model installed")


FACE_MATCHER_GROUP = "hall.devices.face_matchers"
_matchers: list[FaceMatcher] = []
_matchers_loaded = False
_matchers_lock = threading.Lock()


def register_matcher(matcher: FaceMatcher) -> None:
    if not isinstance(matcher, FaceMatcher):
        raise TypeError(f"{matcher!r} does not provide name and similarity()")
    with _matchers_lock:
        _matchers.append(matcher)


def unregister_matcher(matcher: FaceMatcher) -> None:
    with _matchers_lock:
        if matcher in _matchers:
            _matchers.remove(matcher)


def get_matcher() -> FaceMatcher:
    global _matchers_loaded
    with _matchers_lock:
        load = not _matchers_loaded
        _matchers_loaded = True
    if load:
        for ep in metadata.entry_points(group=FACE_MATCHER_GROUP):
            obj = ep.load()
            with _matchers_lock:
                _matchers.insert(0, obj if isinstance(obj, FaceMatcher) else obj())
    with _matchers_lock:
        return _matchers[-1] if _matchers else NoFaceMatcher()


@dataclass(frozen=True)
class FaceCheck:
    faces: int
    score: float | None = None
    same_person: bool | None = None  # None: not compared (no face, several faces, no reference)
    reason: str = ""

    @property
    def face_present(self) -> bool:
        return self.faces > 0


class FaceVerifier:
    """The self-print check: exactly one face in view and, given the card photo as reference,
    the matcher's verdict against ``threshold``."""

    def __init__(
        self,
        matcher: FaceMatcher | None = None,
        detector: FaceDetector | None = None,
        *,
        threshold: float = 0.6,
    ) -> None:
        self.matcher = matcher
        self.detector = detector or FaceDetector()
        self.threshold = threshold

    def check(self, frame: np.ndarray, reference: np.ndarray | None = None) -> FaceCheck:
        faces = self.detector.detect(frame)
        if not faces:
            return FaceCheck(0, reason="未检测到人脸，请正对摄像头 / no face in view: face the camera")
        if len(faces) > 1:
            return FaceCheck(
                len(faces), reason="检测到多张人脸，请单人操作 / more than one face: one person at a time"
            )
        if reference is None:
            return FaceCheck(1, reason="已检测到人脸 / face present")
        x, y, w, h = faces[0]
        matcher = self.matcher or get_matcher()
        score = float(matcher.similarity(frame[y : y + h, x : x + w], reference))
        same = score >= self.threshold
        reason = "人证一致 / matches the card photo" if same else "人证不一致 / does not match the card photo"
        return FaceCheck(1, score=score, same_person=same, reason=reason)


# --- the camera as a managed device -----------------------------------------------------------


class CameraDevice:
    """A camera for the device manager: ``missing`` when the source cannot be opened or stops
    giving frames, ``degraded`` when frames come but are black (lens covered, no light) or
    frozen (a stuck driver repeats its last frame)."""

    kind = "camera"
    DARK_MEAN = 12.0

    def __init__(self, source: str | int = "device:0", *, name: str = "camera") -> None:
        self.name = name
        self.source_spec = source
        self.source: FrameSource | None = None
        self._health = Health.missing("not started")
        self._last_sum: float | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self.reconnect()

    def stop(self) -> None:
        with self._lock:
            if self.source is not None:
                self.source.close()
            self.source = None
            self._health = Health.missing("stopped")

    def reconnect(self) -> None:
        with self._lock:
            if self.source is None:
                try:
                    self.source = open_source(self.source_spec)
                except (CameraError, ValueError) as exc:
                    self._health = Health.missing(str(exc))
                    return
        self.grab()

    def health(self) -> Health:
        return self._health

    def grab(self) -> np.ndarray | None:
        """The next frame (None if the camera failed); updates health as a side effect."""
        with self._lock:
            if self.source is None:
                return None
            frame = self.source.read()
            if frame is None:
                self.source.close()
                self.source = None
                self._health = Health.missing("摄像头无画面 / camera gives no frames")
                return None
            mean = float(frame.mean())
            checksum = float(frame[::7, ::7].sum())
            if mean < self.DARK_MEAN:
                self._health = Health.degraded("画面过暗（镜头被遮挡？）/ image too dark (lens covered?)")
            elif checksum == self._last_sum:
                self._health = Health.degraded("画面静止（驱动卡死？）/ frozen image (driver stuck?)")
            else:
                self._health = Health.ok(str(self.source_spec))
            self._last_sum = checksum
            return frame

    def wait_frame(self, timeout: float = 1.0) -> np.ndarray | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            frame = self.grab()
            if frame is not None:
                return frame
            time.sleep(0.02)
        return None
