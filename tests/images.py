"""Small real image files for tests (uploads are measured and parsed, so magic bytes alone no
longer pass), and the crafted ones the upload checks must refuse."""
from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image


def _encode(fmt: str, size=(8, 6), colour=(200, 40, 40), mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour if mode != "1" else 0).save(out, fmt, **options)
    return out.getvalue()


@cache
def png(size=(8, 6)) -> bytes:
    return _encode("PNG", size)


@cache
def jpeg(size=(8, 6)) -> bytes:
    return _encode("JPEG", size, quality=80)


@cache
def gif() -> bytes:
    return _encode("GIF", mode="P", colour=1)


@cache
def webp() -> bytes:
    return _encode("WEBP")


@cache
def heic(size=(16, 16)) -> bytes:
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", size, (10, 120, 30))).save(out, quality=50)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few dozen bytes whose header claims ``width`` × ``height``
    pixels (a decompression bomb: nothing but the header is needed to refuse it)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _chunk(b"IEND", b""))


@cache
def sparse_png(width: int = 20000, height: int = 20000) -> bytes:
    """A real, complete black-and-white PNG of that size: all zeros, so it compresses to ~50 KB
    for 20000 × 20000 (decoding it would take 400 MB)."""
    return _encode("PNG", (width, height), mode="1", optimize=True)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: max(16, int(len(data) * keep))]
