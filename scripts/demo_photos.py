"""The demo hall's staff photos: a placeholder portrait per clerk of config/hall.yaml, as a hall
posts its staff (``<staff_no>.png``), for the window screens' ``--photos`` folder.

    python scripts/demo_photos.py var/demo/staff [--config config/hall.yaml]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]


def portrait(path: Path, hue: int) -> None:
    img = Image.new("RGB", (300, 400), (200, 30, 30))  # the red backdrop of Chinese staff photos
    draw = ImageDraw.Draw(img)
    draw.ellipse((95, 70, 205, 190), fill=(240, 215, 190))
    draw.rounded_rectangle((40, 210, 260, 420), radius=60, fill=(30 + hue % 40, 40, 70 + hue % 60))
    img.save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--config", type=Path, default=ROOT / "config" / "hall.yaml")
    args = ap.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    clerks = yaml.safe_load(args.config.read_text(encoding="utf-8")).get("clerks") or []
    for i, clerk in enumerate(clerks):
        path = args.folder / f"{clerk['staff_no']}.png"
        if not path.exists():
            portrait(path, i * 17)


if __name__ == "__main__":
    main()
