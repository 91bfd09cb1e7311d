"""Camera: real OpenCV on synthetic images. QR codes printed at an angle with noise, a page
photographed in perspective under uneven light, faces, sources and the managed device."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from devices import synthetic
from devices.camera import (
    CameraDevice,
    CameraUnavailable,
    DocumentScanner,
    FaceDetector,
    FaceMatcherMissing,
    FaceVerifier,
    ImageFolderSource,
    NoPageFound,
    QrReader,
    SyntheticSource,
    VideoCaptureSource,
    frames,
    open_source,
    pdf_from_images,
    register_matcher,
    save_capture,
    unregister_matcher,
)
from devices.health import Status

PAYLOADS = ["https://hall.example/t/7f3a9c?w=3", "办件编号 2026-000123 张三", "A012"]


@pytest.mark.parametrize(("text", "angle"), [(PAYLOADS[0], 25), (PAYLOADS[1], -40), (PAYLOADS[2], 70)])
def test_qr_decoded_from_a_rotated_noisy_frame(text: str, angle: float) -> None:
    frame = synthetic.qr_scene(text, angle=angle, noise=10, seed=len(text))
    codes = QrReader().decode(frame)
    assert [c.text for c in codes] == [text]
    # The corners found are where the code is: around the frame centre, not anywhere.
    centre = codes[0].corners.mean(axis=0)
    assert abs(centre[0] - 320) < 60 and abs(centre[1] - 240) < 50


def test_no_qr_in_a_frame_without_one() -> None:
    assert QrReader().decode(synthetic.face_scene()) == []


@pytest.fixture(scope="module")
def photographed() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    page = synthetic.document_page(840)
    frame, corners = synthetic.photograph_page(page, tilt=(22, -12, 7), light=(0.45, 1.0), noise=5)
    return page, frame, corners


def test_page_found_where_it_was_photographed(
    photographed: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    _, frame, truth = photographed
    capture = DocumentScanner().capture(frame)
    assert np.abs(capture.corners - truth).max() < 8  # pixels, in a 1280×960 frame


@pytest.mark.parametrize("tilt", [(22, -12, 7), (0, 0, 0), (-25, 15, -10), (35, 20, 0)])
def test_capture_comes_out_rectangular_at_the_page_aspect(tilt: tuple[float, float, float]) -> None:
    page = synthetic.document_page(840)
    frame, _ = synthetic.photograph_page(page, tilt=tilt)
    scanner = DocumentScanner(height=1188, snap=False)  # measure, do not round to A4
    capture = scanner.capture(frame)
    assert capture.aspect == pytest.approx(210 / 297, rel=0.03)
    # Rectangular: the page's printed frame is straight and square in the capture. Its left
    # and right rules are vertical (same x at top and bottom), its top and bottom horizontal.
    gray = cv2.cvtColor(capture.image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    dark = gray < 128
    skip = int(w * 0.03)  # the outermost pixels may hold a sliver of desk
    left_top = skip + int(np.argmax(dark[int(h * 0.3), skip : w // 3]))
    left_bottom = skip + int(np.argmax(dark[int(h * 0.8), skip : w // 3]))
    right_top = w - skip - 1 - int(np.argmax(dark[int(h * 0.3), w - skip - 1 : w * 2 // 3 : -1]))
    top_mid = skip + int(np.argmax(dark[skip : h // 6, int(w * 0.5)]))
    assert abs(left_top - left_bottom) <= 6
    # The rule sits 1/12 of the page width in from each side, as printed, and as far down.
    assert left_top / w == pytest.approx(1 / 12, abs=0.012)
    assert right_top / w == pytest.approx(11 / 12, abs=0.012)
    assert top_mid == pytest.approx(w / 12, abs=0.012 * w)
    with_snap = DocumentScanner().capture(frame)
    assert with_snap.paper == "A4" and with_snap.aspect == pytest.approx(210 / 297, rel=0.002)


def test_light_is_evened_out(photographed: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    _, frame, _ = photographed
    raw = DocumentScanner(snap=False).capture(frame, flatten=False).image
    flat = DocumentScanner(snap=False).capture(frame).image

    def paper_spread(img: np.ndarray) -> float:
        # Brightness of bare paper in the margin, in 8 patches down the left side.
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        h, w = gray.shape
        patches = [
            gray[int(h * f) : int(h * f) + 20, int(w * 0.03) : int(w * 0.06)].mean()
            for f in np.linspace(0.1, 0.85, 8)
        ]
        patches += [
            gray[int(h * 0.95) : int(h * 0.97), int(w * f) : int(w * f) + 20].mean()
            for f in np.linspace(0.1, 0.85, 8)
        ]
        return float(np.ptp(patches))

    assert paper_spread(raw) > 40  # the lamp: one side of the page much darker
    assert paper_spread(flat) < 15
    # Print keeps its contrast: the heading bar stays dark.
    gray = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    assert gray[int(h * 0.14), int(w * 0.5)] < 90


def test_save_as_jpeg_and_pdf(
    photographed: tuple[np.ndarray, np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    _, frame, _ = photographed
    capture = DocumentScanner(height=700).capture(frame)
    jpg = save_capture(capture, tmp_path / "page.jpg")
    image = cv2.imread(str(jpg))
    assert image is not None and image.shape[:2] == capture.image.shape[:2]
    pdf = save_capture([capture, capture], tmp_path / "material.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/Count 2" in pdf and pdf.count(b"/Subtype /Image") == 2
    # Every xref offset points at its object, as a PDF reader will look for it.
    xref = int(pdf[pdf.rindex(b"startxref") + 9 :].split()[0])
    rows = pdf[xref:].split(b"\n")[3:]
    for number, row in enumerate(rows[: pdf.count(b" 0 obj")], start=1):
        offset = int(row[:10])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    # The page image inside is the capture, decodable as JPEG.
    start = pdf.index(b"stream\n", pdf.index(b"/DCTDecode")) + 7
    embedded = cv2.imdecode(
        np.frombuffer(pdf[start : pdf.index(b"\nendstream", start)], np.uint8), cv2.IMREAD_COLOR
    )
    assert embedded.shape[:2] == capture.image.shape[:2]


def test_pdf_page_size_follows_dpi() -> None:
    pdf = pdf_from_images([np.full((300, 150), 255, np.uint8)], dpi=150)
    assert b"/MediaBox [0 0 72.00 144.00]" in pdf and b"/DeviceGray" in pdf


def test_no_page_in_an_empty_frame() -> None:
    with pytest.raises(NoPageFound, match="未找到文件页面"):
        DocumentScanner().capture(np.full((480, 640, 3), 90, np.uint8))


def test_face_presence() -> None:
    detector = FaceDetector()
    faces = detector.detect(synthetic.face_scene(face=110, at=(400, 200)))
    assert len(faces) == 1
    x, y, w, h = faces[0]
    assert abs(x + w / 2 - 400) < 20 and abs(y + h / 2 - 200) < 25
    assert not detector.present(synthetic.qr_scene("A012"))
    assert not detector.present(np.full((480, 640, 3), 90, np.uint8))
    assert not detector.present(synthetic.document_page(600))


class FakeMatcher:
    """An injected model: similarity is how close the mean brightness of the two faces is."""

    name = "brightness"

    def __init__(self) -> None:
        self.calls = 0

    def similarity(self, face: np.ndarray, reference: np.ndarray) -> float:
        self.calls += 1
        return 1.0 - abs(float(face.mean()) - float(reference.mean())) / 255


def test_face_matching_uses_the_plugged_in_model() -> None:
    matcher = FakeMatcher()
    verifier = FaceVerifier(matcher, threshold=0.9)
    frame = synthetic.face_scene()
    x, y, w, h = FaceDetector().detect(frame)[0]
    same = verifier.check(frame, frame[y : y + h, x : x + w].copy())
    other = verifier.check(frame, np.zeros((126, 102, 3), np.uint8))
    assert same.same_person is True and same.score == pytest.approx(1.0)
    assert other.same_person is False and "人证不一致" in other.reason
    assert matcher.calls == 2


def test_face_check_without_face_or_with_two() -> None:
    verifier = FaceVerifier(FakeMatcher())
    none = verifier.check(np.full((480, 640, 3), 90, np.uint8), np.zeros((126, 102, 3), np.uint8))
    assert (none.face_present, none.same_person) == (False, None) and "未检测到人脸" in none.reason
    two = np.hstack(
        [synthetic.face_scene(size=(320, 480), face=90), synthetic.face_scene(size=(320, 480), face=90)]
    )
    assert verifier.check(two).faces == 2


def test_without_a_model_matching_says_so() -> None:
    verifier = FaceVerifier()
    with pytest.raises(FaceMatcherMissing, match="未安装人脸比对模型"):
        verifier.check(synthetic.face_scene(), np.zeros((126, 102, 3), np.uint8))
    matcher = FakeMatcher()
    register_matcher(matcher)
    try:
        assert verifier.check(synthetic.face_scene(), np.zeros((126, 102, 3), np.uint8)).score is not None
    finally:
        unregister_matcher(matcher)


def test_sources_video_file_folder_and_synthetic(tmp_path: Path) -> None:
    video = tmp_path / "counter.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    assert writer.isOpened()
    for i in range(5):
        writer.write(synthetic.qr_scene(f"T{i:03d}", angle=10 * i, noise=3, seed=i))
    writer.release()
    texts = [QrReader().decode(f)[0].text for f in frames(open_source(f"file:{video}"))]
    assert texts == ["T000", "T001", "T002", "T003", "T004"]

    folder = tmp_path / "shots"
    folder.mkdir()
    cv2.imwrite(str(folder / "b.png"), synthetic.qr_scene("second"))
    cv2.imwrite(str(folder / "a.jpg"), synthetic.qr_scene("first"))
    (folder / "notes.txt").write_text("not an image")
    assert [QrReader().decode(f)[0].text for f in frames(ImageFolderSource(folder))] == ["first", "second"]

    synthetic_source = open_source("synthetic:qr:办件 42")
    assert isinstance(synthetic_source, SyntheticSource)
    assert QrReader().decode(synthetic_source.read())[0].text == "办件 42"


def test_missing_sources_are_camera_unavailable(tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailable):
        open_source(f"file:{tmp_path / 'none.mp4'}")
    with pytest.raises(CameraUnavailable):
        open_source(f"folder:{tmp_path / 'none'}")
    with pytest.raises(CameraUnavailable):
        VideoCaptureSource(str(tmp_path / "broken.avi"))


def test_camera_device_health(tmp_path: Path) -> None:
    live = CameraDevice("synthetic:face")
    live.start()
    assert live.health().status is Status.OK
    assert FaceDetector().present(live.grab())

    covered = tmp_path / "covered"
    covered.mkdir()
    for i in range(3):
        cv2.imwrite(str(covered / f"{i}.png"), np.full((480, 640, 3), 3 + i, np.uint8))
    dark = CameraDevice(f"folder:{covered}")
    dark.start()
    assert dark.health().status is Status.DEGRADED and "too dark" in dark.health().reason

    gone = CameraDevice(f"folder:{tmp_path / 'unplugged'}")
    gone.start()
    assert gone.health().status is Status.MISSING
    (tmp_path / "unplugged").mkdir()
    cv2.imwrite(str(tmp_path / "unplugged" / "0.png"), synthetic.face_scene())
    gone.reconnect()
    assert gone.health().status is Status.OK
