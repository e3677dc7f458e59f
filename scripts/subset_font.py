"""Make the portal's web fonts from the Be Vietnam Pro TTFs the project already depends on.

Keeps only what Vietnamese and English text needs (Basic Latin, the Vietnamese letters,
common punctuation, the đồng sign) and writes WOFF2: ~15 KB a weight instead of ~140 KB,
so a first page load stays within its budget. Run after upgrading the font package:

    uv run python scripts/subset_font.py
"""

from __future__ import annotations

from pathlib import Path

import fontpkg_be_vietnam_pro
from fontTools import subset

OUT = Path(__file__).resolve().parents[1] / "traceability" / "portal" / "static" / "fonts"
WEIGHTS = {"Regular": 400, "SemiBold": 600}

VIETNAMESE_LATIN_1 = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý"
UNICODES = sorted(
    {
        *range(0x20, 0x7F),  # Basic Latin
        0xA0,  # no-break space (Babel puts it in numbers and money)
        0x202F,  # narrow no-break space
        *map(ord, VIETNAMESE_LATIN_1),
        *map(ord, "ĂăĐđĨĩŨũƠơƯư"),
        *range(0x1EA0, 0x1EFA),  # Latin Extended Additional: ạ … ỹ
        *(0x0300, 0x0301, 0x0303, 0x0309, 0x0323),  # combining tones (decomposed input)
        *map(ord, "–—‘’“”…•·₫×→←★©°"),
    }
)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    source = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
    for style, weight in WEIGHTS.items():
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["kern", "liga", "mark", "mkmk", "ccmp", "locl"]
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # keep copyright and licence names
        options.hinting = False  # phones' screens do not use TrueType hints
        font = subset.load_font(str(source / f"BeVietnamPro-{style}.ttf"), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=UNICODES)
        subsetter.subset(font)
        target = OUT / f"be-vietnam-pro-{weight}.woff2"
        subset.save_font(font, str(target), options)
        print(f"{target.name}: {target.stat().st_size} bytes")
    licence = Path(fontpkg_be_vietnam_pro.ROOT) / "LICENSE"
    (OUT / "OFL.txt").write_text(licence.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
