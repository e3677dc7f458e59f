"""Purpose-built QR encoder (ISO/IEC 18004, versions 1-10) for stamp URLs.

Pure Python, no imaging: the output is the symbol as packed 1-bit rows
(MSB first, 1 = light, rows padded to whole bytes), which is exactly Pillow's
raw mode ``"1"`` layout, so ``Image.frombytes("1", (n, n), data)`` gives the
module image and one ``resize(NEAREST)`` scales it to print size.

Why it is fast: everything after the data bit stream is GF(2)-affine in the
data bits (Reed-Solomon is linear over GF(256) and hence bitwise; interleaving
and module placement are permutations; the mask and the function patterns are
constants). :class:`Symbol` precomputes, per (version, level, mask), the
symbol of an all-zero payload and, per data codeword position, a 256-entry
table of the modules that codeword value flips (its own bits plus its block's
EC codewords). A symbol is then ``base ^ T[0][d0] ^ T[1][d1] ^ ...`` on Python
ints. :class:`StampCoder` goes further for stamp URLs, whose only varying part
is the numeric code: the constant segments, terminator and padding are folded
into the base, leaving one XOR per codeword touched by the digits.

``qrcode`` stays the reference (the tests compare matrices module for module)
and the general fallback in :mod:`stamps.render`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Final

MAX_VERSION: Final = 10
LEVELS: Final = ("L", "M", "Q", "H")
_FORMAT_LEVEL: Final = {"L": 1, "M": 0, "Q": 3, "H": 2}
_MODE_BITS: Final = {"numeric": 0b0001, "alnum": 0b0010, "byte": 0b0100}
_ALNUM: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALNUM_VALUE: Final = {char: i for i, char in enumerate(_ALNUM)}

# ISO/IEC 18004 table 9: EC codewords per block, ((blocks, data codewords per block), ...).
_BLOCKS: Final[dict[tuple[int, str], tuple[int, tuple[tuple[int, int], ...]]]] = {
    (1, "L"): (7, ((1, 19),)),
    (1, "M"): (10, ((1, 16),)),
    (1, "Q"): (13, ((1, 13),)),
    (1, "H"): (17, ((1, 9),)),
    (2, "L"): (10, ((1, 34),)),
    (2, "M"): (16, ((1, 28),)),
    (2, "Q"): (22, ((1, 22),)),
    (2, "H"): (28, ((1, 16),)),
    (3, "L"): (15, ((1, 55),)),
    (3, "M"): (26, ((1, 44),)),
    (3, "Q"): (18, ((2, 17),)),
    (3, "H"): (22, ((2, 13),)),
    (4, "L"): (20, ((1, 80),)),
    (4, "M"): (18, ((2, 32),)),
    (4, "Q"): (26, ((2, 24),)),
    (4, "H"): (16, ((4, 9),)),
    (5, "L"): (26, ((1, 108),)),
    (5, "M"): (24, ((2, 43),)),
    (5, "Q"): (18, ((2, 15), (2, 16))),
    (5, "H"): (22, ((2, 11), (2, 12))),
    (6, "L"): (18, ((2, 68),)),
    (6, "M"): (16, ((4, 27),)),
    (6, "Q"): (24, ((4, 19),)),
    (6, "H"): (28, ((4, 15),)),
    (7, "L"): (20, ((2, 78),)),
    (7, "M"): (18, ((4, 31),)),
    (7, "Q"): (18, ((2, 14), (4, 15))),
    (7, "H"): (26, ((4, 13), (1, 14))),
    (8, "L"): (24, ((2, 97),)),
    (8, "M"): (22, ((2, 38), (2, 39))),
    (8, "Q"): (22, ((4, 18), (2, 19))),
    (8, "H"): (26, ((4, 14), (2, 15))),
    (9, "L"): (30, ((2, 116),)),
    (9, "M"): (22, ((3, 36), (2, 37))),
    (9, "Q"): (20, ((4, 16), (4, 17))),
    (9, "H"): (24, ((4, 12), (4, 13))),
    (10, "L"): (18, ((2, 68), (2, 69))),
    (10, "M"): (26, ((4, 43), (1, 44))),
    (10, "Q"): (24, ((6, 19), (2, 20))),
    (10, "H"): (28, ((6, 15), (2, 16))),
}
_ALIGNMENT: Final = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}

# GF(256), primitive polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP: Final = [0] * 512
_LOG: Final = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@cache
def _generator(degree: int) -> tuple[int, ...]:
    """Coefficients (highest first, leading 1 dropped) of prod (x - a^i), i < degree."""
    poly = [1]
    for i in range(degree):
        factor = _EXP[i]
        poly = [a ^ _gf_mul(b, factor) for a, b in zip([*poly, 0], [0, *poly], strict=True)]
    return tuple(poly[1:])


def rs_remainder(data: Sequence[int], degree: int) -> list[int]:
    """Reed-Solomon EC codewords: data * x^degree mod generator (reference, loop form)."""
    generator = _generator(degree)
    logs = [_LOG[g] for g in generator]
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = [*remainder[1:], 0]
        if factor:
            log = _LOG[factor]
            remainder = [r ^ _EXP[log + g] for r, g in zip(remainder, logs, strict=True)]
    return remainder


def count_bits(mode: str, version: int) -> int:
    index = 0 if version <= 9 else 1 if version <= 26 else 2
    return {"numeric": (10, 12, 14), "alnum": (9, 11, 13), "byte": (8, 16, 16)}[mode][index]


def segment_bits(mode: str, text: str, version: int) -> tuple[int, int]:
    """(value, length in bits) of one segment: mode indicator, count, payload."""
    raw = text.encode("utf-8") if mode == "byte" else text.encode("ascii")
    value, length = _MODE_BITS[mode], 4
    value = value << count_bits(mode, version) | len(raw)
    length += count_bits(mode, version)
    if mode == "byte":
        value = value << 8 * len(raw) | int.from_bytes(raw, "big")
        length += 8 * len(raw)
    elif mode == "alnum":
        for i in range(0, len(text) - 1, 2):
            value = value << 11 | (_ALNUM_VALUE[text[i]] * 45 + _ALNUM_VALUE[text[i + 1]])
            length += 11
        if len(text) % 2:
            value = value << 6 | _ALNUM_VALUE[text[-1]]
            length += 6
    else:
        if not text.isascii() or not text.isdigit():
            raise ValueError("numeric segment needs ASCII digits")
        for i in range(0, len(text), 3):
            group = text[i : i + 3]
            bits = (4, 7, 10)[len(group) - 1]
            value = value << bits | int(group)
            length += bits
    return value, length


def data_capacity(version: int, level: str) -> int:
    """Data codewords of a symbol."""
    _, groups = _BLOCKS[version, level]
    return sum(count * size for count, size in groups)


def fit_version(segments: Sequence[tuple[str, str]], level: str) -> int | None:
    """Smallest version (<= MAX_VERSION) holding the segments, as qrcode's best_fit."""
    for version in range(1, MAX_VERSION + 1):
        bits = sum(segment_bits(mode, text, version)[1] for mode, text in segments)
        if bits <= 8 * data_capacity(version, level):
            return version
    return None


def _terminate(value: int, length: int, capacity_bits: int) -> bytes:
    """Terminator (up to 4 zero bits), zero bits to a byte boundary, 0xEC/0x11 padding."""
    if length > capacity_bits:
        raise ValueError(f"data needs {length} bits, the symbol holds {capacity_bits}")
    zeros = min(4, capacity_bits - length)
    value, length = value << zeros, length + zeros
    value, length = value << (-length % 8), length + (-length % 8)
    pad = (capacity_bits - length) // 8
    padding = bytes((0xEC, 0x11) * (pad // 2 + 1))[:pad]
    return value.to_bytes(length // 8, "big") + padding


def data_codewords(segments: Sequence[tuple[str, str]], version: int, level: str) -> bytes:
    value = length = 0
    for mode, text in segments:
        bits, size = segment_bits(mode, text, version)
        value, length = value << size | bits, length + size
    return _terminate(value, length, 8 * data_capacity(version, level))


def _bch(data: int, generator: int, shift: int) -> int:
    remainder = data << shift
    top = generator.bit_length()
    while remainder.bit_length() >= top:
        remainder ^= generator << (remainder.bit_length() - top)
    return data << shift | remainder


def _mask_bit(mask: int, i: int, j: int) -> bool:
    if mask == 0:
        return (i + j) % 2 == 0
    if mask == 1:
        return i % 2 == 0
    if mask == 2:
        return j % 3 == 0
    if mask == 3:
        return (i + j) % 3 == 0
    if mask == 4:
        return (i // 2 + j // 3) % 2 == 0
    if mask == 5:
        return (i * j) % 2 + (i * j) % 3 == 0
    if mask == 6:
        return ((i * j) % 2 + (i * j) % 3) % 2 == 0
    if mask == 7:
        return ((i * j) % 3 + (i + j) % 2) % 2 == 0
    raise ValueError(f"mask must be 0-7, got {mask}")


def _function_patterns(version: int, level: str, mask: int) -> list[list[bool | None]]:
    """Finder, separator, alignment, timing, format and version modules; None = data."""
    n = 4 * version + 17
    grid: list[list[bool | None]] = [[None] * n for _ in range(n)]
    for row, col in ((0, 0), (n - 7, 0), (0, n - 7)):
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= row + r < n and 0 <= col + c < n:
                    grid[row + r][col + c] = (
                        (0 <= r <= 6 and c in (0, 6))
                        or (0 <= c <= 6 and r in (0, 6))
                        or (2 <= r <= 4 and 2 <= c <= 4)
                    )
    centres = _ALIGNMENT[version]
    for row in centres:
        for col in centres:
            if grid[row][col] is not None:
                continue
            for r in range(-2, 3):
                for c in range(-2, 3):
                    grid[row + r][col + c] = r in (-2, 2) or c in (-2, 2) or r == c == 0
    for i in range(8, n - 8):
        if grid[i][6] is None:
            grid[i][6] = i % 2 == 0
        if grid[6][i] is None:
            grid[6][i] = i % 2 == 0
    bits = _bch(_FORMAT_LEVEL[level] << 3 | mask, 0x537, 10) ^ 0x5412
    for i in range(15):
        dark = bool(bits >> i & 1)
        grid[i if i < 6 else i + 1 if i < 8 else n - 15 + i][8] = dark
        grid[8][n - i - 1 if i < 8 else 15 - i if i < 9 else 14 - i] = dark
    grid[n - 8][8] = True
    if version >= 7:
        bits = _bch(version, 0x1F25, 12)
        for i in range(18):
            dark = bool(bits >> i & 1)
            grid[i // 3][i % 3 + n - 11] = dark
            grid[i % 3 + n - 11][i // 3] = dark
    return grid


def _placement(grid: list[list[bool | None]]) -> list[tuple[int, int]]:
    """Data modules in placement order: two-column zigzag from the bottom right."""
    n = len(grid)
    order = []
    upward = True
    col = n - 1
    while col > 0:
        if col == 6:  # the vertical timing pattern column is skipped
            col -= 1
        rows = range(n - 1, -1, -1) if upward else range(n)
        for row in rows:
            for c in (col, col - 1):
                if grid[row][c] is None:
                    order.append((row, c))
        upward = not upward
        col -= 2
    return order


class Symbol:
    """Precomputed tables for one (version, level, mask); see the module docstring."""

    def __init__(self, version: int, level: str, mask: int) -> None:
        if (version, level) not in _BLOCKS or not 0 <= mask <= 7:
            raise ValueError(
                f"unsupported QR symbol: version {version}, level {level}, mask {mask}"
            )
        self.version, self.level, self.mask = version, level, mask
        n = self.size = 4 * version + 17
        self.row_bytes = (n + 7) // 8
        self.nbytes = n * self.row_bytes
        self.ec, groups = _BLOCKS[version, level]
        self.block_sizes = [size for count, size in groups for _ in range(count)]
        self.data_count = sum(self.block_sizes)
        grid = _function_patterns(version, level, mask)
        order = _placement(grid)
        # Output is in "light = 1" form, so start from all ones and flip dark modules.
        base = (1 << 8 * self.nbytes) - 1
        for r in range(n):
            for c in range(n):
                dark = grid[r][c]
                if dark is None:  # data module: zero data bit, then masked
                    dark = _mask_bit(mask, r, c)
                if dark:
                    base ^= self._bit(r, c)
        self._zero = base
        # Stream codeword index -> its 8 module bits (MSB first); leftover modules stay 0.
        self._codeword_bits = [
            [self._bit(*order[8 * k + b]) for b in range(8)]
            for k in range(self.data_count + self.ec * len(self.block_sizes))
        ]
        # (block, index in block) -> stream index, data then EC, interleaved column-wise.
        blocks = len(self.block_sizes)
        self._data_slot: list[int] = []  # data codeword in block-concatenated order -> stream
        slot: dict[tuple[int, int], int] = {}
        stream = 0
        for i in range(max(self.block_sizes)):
            for b, size in enumerate(self.block_sizes):
                if i < size:
                    slot[b, i] = stream
                    stream += 1
        self._ec_slot = [
            [self.data_count + i * blocks + b for i in range(self.ec)] for b in range(blocks)
        ]
        self._block_of: list[tuple[int, int]] = []
        for b, size in enumerate(self.block_sizes):
            for i in range(size):
                self._data_slot.append(slot[b, i])
                self._block_of.append((b, i))
        self._tables: dict[int, list[int]] = {}

    def _bit(self, r: int, c: int) -> int:
        byte = r * self.row_bytes + c // 8
        return 1 << ((self.nbytes - 1 - byte) * 8 + 7 - c % 8)

    def _codeword(self, stream: int, value: int) -> int:
        bits = self._codeword_bits[stream]
        out = 0
        for b in range(8):
            if value >> (7 - b) & 1:
                out |= bits[b]
        return out

    def table(self, position: int) -> list[int]:
        """Modules flipped by data codeword ``position`` (block-concatenated order), per value."""
        table = self._tables.get(position)
        if table is not None:
            return table
        block, index = self._block_of[position]
        size = self.block_sizes[block]
        unit = [0] * size
        unit[index] = 1
        ec_unit = rs_remainder(unit, self.ec)
        basis = []
        for b in range(8):
            value = 1 << b
            flips = self._codeword(self._data_slot[position], value)
            for slot, e in zip(self._ec_slot[block], ec_unit, strict=True):
                flips ^= self._codeword(slot, _gf_mul(e, value))
            basis.append(flips)
        table = [0] * 256
        for value in range(1, 256):
            low = (value & -value).bit_length() - 1
            table[value] = table[value & (value - 1)] ^ basis[low]
        self._tables[position] = table
        return table

    def encode_int(self, data: bytes) -> int:
        """The symbol as an int (big-endian packed rows), table-driven."""
        if len(data) != self.data_count:
            raise ValueError(f"need {self.data_count} data codewords, got {len(data)}")
        out = self._zero
        for position, byte in enumerate(data):
            if byte:
                out ^= self.table(position)[byte]
        return out

    def reference_int(self, data: bytes) -> int:
        """Same as :meth:`encode_int`, computed the textbook way (RS per block, interleave)."""
        if len(data) != self.data_count:
            raise ValueError(f"need {self.data_count} data codewords, got {len(data)}")
        out = self._zero
        start = 0
        for block, size in enumerate(self.block_sizes):
            chunk = data[start : start + size]
            for i, byte in enumerate(chunk):
                out ^= self._codeword(self._data_slot[start + i], byte)
            for slot, byte in zip(self._ec_slot[block], rs_remainder(chunk, self.ec), strict=True):
                out ^= self._codeword(slot, byte)
            start += size
        return out

    def packed(self, data: bytes) -> bytes:
        return self.encode_int(data).to_bytes(self.nbytes, "big")

    def unpack(self, packed: bytes) -> list[list[bool]]:
        """Packed rows -> modules (True = dark), like ``qrcode.QRCode.modules``."""
        w = self.row_bytes
        return [
            [not packed[r * w + c // 8] >> (7 - c % 8) & 1 for c in range(self.size)]
            for r in range(self.size)
        ]


@lru_cache(maxsize=64)
def symbol(version: int, level: str, mask: int) -> Symbol:
    return Symbol(version, level, mask)


def encode_segments(
    segments: Sequence[tuple[str, str]], level: str, mask: int, version: int | None = None
) -> tuple[Symbol, bytes]:
    """(symbol, packed rows) for ``segments`` at the smallest fitting version (or ``version``)."""
    if version is None:
        version = fit_version(segments, level)
        if version is None:
            raise ValueError(f"data does not fit QR version {MAX_VERSION}")
    sym = symbol(version, level, mask)
    return sym, sym.packed(data_codewords(segments, version, level))


class StampCoder:
    """Fast encoder for ``prefix_segments`` + one numeric segment of ``digits`` digits.

    For stamp URLs the prefix is ``[("byte", "https"), ("alnum", "://HOST/S/")]`` and
    the numeric segment is the 177-digit code. Per call: 10 bits per digit triple,
    one ``to_bytes``, and one XOR per codeword the digits touch.
    """

    def __init__(
        self,
        prefix_segments: Sequence[tuple[str, str]],
        digits: int,
        level: str,
        mask: int,
        version: int | None = None,
    ) -> None:
        if digits % 3:
            raise ValueError("digit count must be a multiple of 3")
        segments = [*prefix_segments, ("numeric", "0" * digits)]
        fitted = fit_version(segments, level) if version is None else version
        if fitted is None:
            raise ValueError(f"data does not fit QR version {MAX_VERSION}")
        self.version = fitted
        self.digits = digits
        self.symbol = symbol(fitted, level, mask)
        self.size = self.symbol.size
        template = data_codewords(segments, fitted, level)
        # Bit offsets of the digit payload inside the data codewords.
        head = sum(segment_bits(m, t, fitted)[1] for m, t in prefix_segments)
        head += 4 + count_bits("numeric", fitted)
        length = 10 * digits // 3
        total = 8 * len(template)
        self._shift = total - head - length
        self._start, self._stop = head // 8, -(-(head + length) // 8)
        self._constant = int.from_bytes(template, "big")  # digits all zero: their bits are 0
        outside = bytearray(template)
        outside[self._start : self._stop] = bytes(self._stop - self._start)
        self._base = self.symbol.encode_int(bytes(outside))
        self._tables = [self.symbol.table(p) for p in range(self._start, self._stop)]
        self._nbytes = len(template)

    def encode_int(self, code: str) -> int:
        if len(code) != self.digits or not code.isascii() or not code.isdigit():
            raise ValueError(f"code must be {self.digits} ASCII digits")
        value = 0
        for i in range(0, self.digits, 3):
            value = value << 10 | int(code[i : i + 3])
        data = (self._constant | value << self._shift).to_bytes(self._nbytes, "big")
        out = self._base
        for table, byte in zip(self._tables, data[self._start : self._stop], strict=True):
            out ^= table[byte]
        return out

    def packed(self, code: str) -> bytes:
        """Packed rows (Pillow mode ``"1"`` raw: MSB first, 1 = light) of the symbol."""
        return self.encode_int(code).to_bytes(self.symbol.nbytes, "big")
