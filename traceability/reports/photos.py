"""A consumer's photo, made safe to keep: decoded, bounded, re-encoded without metadata.

Phones write the place a photo was taken into its EXIF data; the report keeps only the
pixels (turned upright), at most 1600 px a side, as JPEG.
"""

from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
"""MPO is how some phones' cameras label their JPEGs."""
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600


class UnreadablePhoto(ValueError):
    """Not a JPEG, PNG or WebP photo this service can read."""


def clean_photo(data: bytes) -> bytes:
    """The photo as a metadata-free JPEG; UnreadablePhoto for anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                if image.format not in ACCEPTED:
                    raise UnreadablePhoto(f"format {image.format}")
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise UnreadablePhoto(f"{width}×{height} pixels")
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                out = BytesIO()
                upright.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
                return out.getvalue()
    except UnreadablePhoto:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
    ) as exc:
        raise UnreadablePhoto(str(exc)) from exc
