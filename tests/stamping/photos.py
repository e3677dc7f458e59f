"""Photos of stamps as a phone takes them: JPEG, a little tilted, soft, on a grey table."""

from __future__ import annotations

import io

from PIL import Image, ImageFilter

from stamps.render import qr_image


def phone_photo(texts: list[str], *, module_px: int = 6, angle: float = 4.0) -> bytes:
    """One JPEG holding a QR code per text, side by side, as a phone would photograph them."""
    codes = [qr_image(text, module_px).convert("L") for text in texts]
    gap = 80
    width = sum(c.width for c in codes) + gap * (len(codes) + 1)
    height = max(c.height for c in codes) + 2 * gap
    table = Image.new("L", (width, height), 150)
    x = gap
    for code in codes:
        table.paste(code, (x, gap))
        x += code.width + gap
    tilted = table.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=150)
    soft = tilted.filter(ImageFilter.GaussianBlur(1.2)).convert("RGB")
    out = io.BytesIO()
    soft.save(out, "JPEG", quality=80)
    return out.getvalue()


def blank_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 130, 110)).save(out, "JPEG")
    return out.getvalue()
