"""Synthetic camera scenes: a QR code held at an angle, a photographed page, a face.

Used by :class:`devices.camera.SyntheticSource` (demo without a camera) and by the tests,
which run the real OpenCV pipeline on these images. The page is photographed through a
pinhole camera model (3-D tilt, perspective projection, uneven light, sensor noise), not by
an arbitrary warp, so that it looks like what a kiosk camera sees.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

A4_ASPECT = 210 / 297  # width / height, portrait


def render_qr(text: str, *, module_px: int = 6, border: int = 4, error: str = "m") -> np.ndarray:
    """A QR code as a grey image (black modules on white), text encoded as UTF-8 bytes."""
    import segno  # only needed to make QR images (tests, demo)

    qr = segno.make(text, encoding="utf-8", error=error, micro=False)
    modules = np.array([list(row) for row in qr.matrix], dtype=np.uint8)
    modules = np.pad(modules, border)
    img = np.where(modules > 0, 0, 255).astype(np.uint8)
    return np.kron(img, np.ones((module_px, module_px), dtype=np.uint8))


def paste_rotated(
    background: np.ndarray, patch: np.ndarray, center: tuple[float, float], angle: float
) -> np.ndarray:
    """Paste ``patch`` (grey or BGR) rotated by ``angle`` degrees with its centre at ``center``."""
    out = background.copy()
    if patch.ndim == 2 and out.ndim == 3:
        patch = cv2.cvtColor(patch, cv2.COLOR_GRAY2BGR)
    h, w = patch.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[0, 2] += center[0] - w / 2
    m[1, 2] += center[1] - h / 2
    size = (out.shape[1], out.shape[0])
    warped = cv2.warpAffine(patch, m, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(np.full((h, w), 255, np.uint8), m, size, flags=cv2.INTER_NEAREST)
    out[mask > 0] = warped[mask > 0]
    return out


def add_noise(img: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noisy = img.astype(np.float32) + rng.normal(0, sigma, img.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def qr_scene(
    text: str,
    *,
    size: tuple[int, int] = (640, 480),
    angle: float = 25.0,
    noise: float = 8.0,
    module_px: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """A BGR frame: a QR code on a phone-like card, rotated, over a cluttered background."""
    w, h = size
    rng = np.random.default_rng(seed)
    frame = np.full((h, w, 3), (120, 110, 100), np.uint8)
    for _ in range(12):  # clutter, so the detector has something to ignore
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        color = tuple(int(c) for c in rng.integers(40, 200, 3))
        cv2.rectangle(
            frame, (x, y), (x + int(rng.integers(10, 60)), y + int(rng.integers(10, 60))), color, -1
        )
    qr = render_qr(text, module_px=module_px)
    frame = paste_rotated(frame, qr, (w / 2 + rng.uniform(-30, 30), h / 2 + rng.uniform(-20, 20)), angle)
    frame = cv2.GaussianBlur(frame, (3, 3), 0)
    return add_noise(frame, noise, seed)


def document_page(
    width: int = 840, *, aspect: float = A4_ASPECT, lines: int = 22, seed: int = 0
) -> np.ndarray:
    """A white BGR page with a heading, a ruled box and lines of 'text' bars."""
    height = round(width / aspect)
    rng = np.random.default_rng(seed)
    page = np.full((height, width, 3), 250, np.uint8)
    m = width // 12
    cv2.rectangle(page, (m, m), (width - m, height - m), (20, 20, 20), max(2, width // 300))
    cv2.rectangle(page, (m * 2, m * 2), (width - m * 2, m * 2 + height // 20), (30, 30, 30), -1)
    y = m * 3 + height // 20
    step = (height - y - m * 2) // lines
    for _ in range(lines):
        x = m * 2
        while x < width - m * 2 - 20:
            word = int(rng.integers(width // 40, width // 12))
            x_end = min(x + word, width - m * 2)
            cv2.rectangle(page, (x, y), (x_end, y + max(3, step // 3)), (40, 40, 40), -1)
            x = x_end + width // 60
        y += step
    return page


def rotation(rx: float, ry: float, rz: float) -> np.ndarray:
    """Rotation matrix from angles in degrees about x, then y, then z."""
    ax, ay, az = (math.radians(a) for a in (rx, ry, rz))
    mx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    my = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    mz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return mz @ my @ mx


def photograph_page(
    page: np.ndarray,
    *,
    frame_size: tuple[int, int] = (1280, 960),
    tilt: tuple[float, float, float] = (22.0, -12.0, 7.0),
    focal: float | None = None,
    fill: float = 0.62,
    light: tuple[float, float] = (0.45, 1.0),
    noise: float = 5.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Photograph ``page`` lying on a desk: returns the BGR frame and the page's corners in it
    (TL, TR, BR, BL). ``light`` is the darkest and brightest illumination factor across the
    frame (a lamp on one side); ``fill`` is the share of the frame height the page spans."""
    fw, fh = frame_size
    ph, pw = page.shape[:2]
    focal = focal or float(fw)  # ~53° horizontal field of view, a typical webcam
    # Page in 3-D, centred at the origin, then tilted and pushed away from the camera so that
    # it spans ``fill`` of the frame height.
    half_w, half_h = pw / 2, ph / 2
    corners3d = np.array(
        [[-half_w, -half_h, 0], [half_w, -half_h, 0], [half_w, half_h, 0], [-half_w, half_h, 0]]
    )
    rotated = corners3d @ rotation(*tilt).T
    distance = focal * ph / (fill * fh)
    pts = rotated + np.array([0, 0, distance])
    projected = np.stack(
        [focal * pts[:, 0] / pts[:, 2] + fw / 2, focal * pts[:, 1] / pts[:, 2] + fh / 2], axis=1
    )
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    homography = cv2.getPerspectiveTransform(src, projected.astype(np.float32))

    rng = np.random.default_rng(seed)
    desk = np.zeros((fh, fw, 3), np.uint8)
    desk[:] = (60, 80, 105)  # a brown desk
    grain = rng.normal(0, 12, (fh // 8 + 1, fw // 8 + 1)).astype(np.float32)
    grain = cv2.resize(grain, (fw, fh), interpolation=cv2.INTER_CUBIC)[..., None]
    desk = np.clip(desk.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    warped = cv2.warpPerspective(page, homography, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), homography, (fw, fh), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    frame = warped.astype(np.float32) * alpha + desk.astype(np.float32) * (1 - alpha)

    # A lamp to the upper left: light falls off linearly across the frame, plus a soft spot.
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    low, high = light
    ramp = 1 - (xx / fw * 0.7 + yy / fh * 0.3)
    spot = np.exp(-(((xx - fw * 0.3) / (fw * 0.5)) ** 2 + ((yy - fh * 0.3) / (fh * 0.6)) ** 2))
    field = ramp * 0.7 + spot * 0.3
    field = low + (high - low) * (field - field.min()) / (field.max() - field.min())
    frame = frame * field[..., None]
    frame = np.clip(frame + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
    return frame, projected.astype(np.float32)


def face_image(size: int = 200, *, skin: int = 200, background: int = 90) -> np.ndarray:
    """A schematic grey face (oval, hair, brows, eyes, nose shadow, mouth, softened) that the
    Haar frontal-face cascade accepts: a stand-in visitor, as no face photo ships."""
    s = size / 200
    c = size
    img = np.full((size * 2, size * 2), background, np.uint8)
    cv2.ellipse(img, (c, c), (int(75 * s), int(100 * s)), 0, 0, 360, skin, -1)
    cv2.ellipse(img, (c, int(c - 70 * s)), (int(80 * s), int(45 * s)), 0, 180, 360, 40, -1)
    for dx in (-35, 35):
        cv2.ellipse(img, (int(c + dx * s), int(c - 30 * s)), (int(20 * s), int(6 * s)), 0, 0, 360, 60, -1)
        cv2.ellipse(img, (int(c + dx * s), int(c - 12 * s)), (int(16 * s), int(8 * s)), 0, 0, 360, 50, -1)
    cv2.ellipse(img, (c, int(c + 25 * s)), (int(12 * s), int(6 * s)), 0, 0, 360, 140, -1)
    cv2.ellipse(img, (c, int(c + 55 * s)), (int(28 * s), int(9 * s)), 0, 0, 360, 80, -1)
    return cv2.GaussianBlur(img, (0, 0), 4 * s)


def face_scene(
    *,
    size: tuple[int, int] = (640, 480),
    face: int = 110,
    at: tuple[int, int] | None = None,
    noise: float = 4.0,
    seed: int = 0,
) -> np.ndarray:
    """A BGR frame with one face of about ``face`` pixels across, at ``at`` (default centre)."""
    w, h = size
    frame = np.full((h, w, 3), 90, np.uint8)
    patch = cv2.cvtColor(face_image(face), cv2.COLOR_GRAY2BGR)
    cx, cy = at or (w // 2, h // 2)
    ph, pw = patch.shape[:2]
    x0, y0 = cx - pw // 2, cy - ph // 2
    xs, ys = max(0, x0), max(0, y0)
    xe, ye = min(w, x0 + pw), min(h, y0 + ph)
    frame[ys:ye, xs:xe] = patch[ys - y0 : ye - y0, xs - x0 : xe - x0]
    return add_noise(frame, noise, seed)
