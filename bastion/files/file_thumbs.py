"""Thumbnails as PocketBase makes them, generated off the event loop, once per key.

Sizes: `WxH` (cover and crop to the centre), `WxHt` / `WxHb` (crop from the top / bottom),
`WxHf` (fit inside, never enlarged), `Wx0` / `0xH` (one side, keeping the aspect ratio). Only
the first frame of an animation is used; EXIF orientation is applied. JPEG, GIF, TIFF and BMP
thumbnails keep their format, everything else (WebP included) becomes PNG.

Concurrent requests for the same missing thumbnail share one generation (single flight), and
at most `cpu_count + 2` generations run at once. An image whose header declares more than
`MAX_PIXELS` is never decoded (a decompression bomb): the caller serves the original instead.
"""

from __future__ import annotations

import asyncio
import io
import os
import warnings
from collections import OrderedDict
from typing import Any

from bastion.core.fields.field_file import MAX_IMAGE_PIXELS as MAX_PIXELS
from bastion.core.fields.field_file import THUMB_SIZE_RE
from bastion.files import file_mime
from bastion.files.storage_base import Storage

THUMBABLE = frozenset({"image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp"})
DEFAULT_THUMBS = ("100x100",)
_FORMATS = {"image/jpeg": "JPEG", "image/gif": "GIF", "image/tiff": "TIFF", "image/bmp": "BMP"}


class ThumbError(Exception):
    pass


def image_pixels(source: Any) -> int:
    """Width × height from an image's header (nothing is decoded); 0 when it is not an image."""
    from PIL import Image  # Pillow loads on the first image, not at every start

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(source) as img:
                width, height = img.size
    except Image.DecompressionBombError:
        return MAX_PIXELS + 1
    except (OSError, ValueError, SyntaxError):
        return 0
    return int(width) * int(height)


def render_thumb(data: bytes, size: str) -> tuple[bytes, str]:
    """The thumbnail bytes and their content type; raises ThumbError when it cannot be made."""
    from PIL import Image, ImageOps  # Pillow loads on the first image, not at every start

    match = THUMB_SIZE_RE.match(size)
    if match is None:
        raise ThumbError(f"invalid thumb size {size!r}")
    width, height, mode = int(match.group(1)), int(match.group(2)), match.group(3) or ""
    if width == 0 and height == 0:
        raise ThumbError("thumb width and height cannot both be zero")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img: Image.Image = Image.open(io.BytesIO(data))  # later steps return plain Images
        if img.size[0] * img.size[1] > MAX_PIXELS:
            raise ThumbError("the image has too many pixels to thumbnail")
        source_type = file_mime.sniff(data[: file_mime.SNIFF_BYTES])
        img.seek(0)
        if img.format == "JPEG" and width and height:
            # Decode a large JPEG at a reduced scale (1/2 … 1/8) when the thumbnail allows it.
            img.draft("RGB", (width * 2, height * 2))
        img = ImageOps.exif_transpose(img)
        img = img.convert("RGBA" if img.mode in ("RGBA", "LA", "P", "PA") else "RGB")
        src_w, src_h = img.size
        if width == 0 or height == 0:
            if width == 0:
                width = max(1, round(src_w * height / src_h))
            else:
                height = max(1, round(src_h * width / src_w))
            out = img.resize((width, height), Image.Resampling.BILINEAR)
        elif mode == "f":
            out = img.copy()
            out.thumbnail((width, height), Image.Resampling.BILINEAR)
        else:
            centering = {"t": (0.5, 0.0), "b": (0.5, 1.0)}.get(mode, (0.5, 0.5))
            out = ImageOps.fit(img, (width, height), Image.Resampling.BILINEAR, centering=centering)
        fmt = _FORMATS.get(source_type, "PNG")
        if fmt in ("JPEG", "BMP") and out.mode != "RGB":
            out = out.convert("RGB")
        buf = io.BytesIO()
        out.save(buf, format=fmt)
    except ThumbError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for broken images
        raise ThumbError(f"cannot thumbnail: {exc}") from exc
    content_type = source_type if fmt != "PNG" else "image/png"
    return buf.getvalue(), content_type


class Thumbnailer:
    """Single flight per thumbnail key. Finished generations are remembered (the last
    `REMEMBERED`), so a request whose existence check raced with a generation that has just
    ended does not start a second one; failed ones are forgotten, so a later request retries."""

    REMEMBERED = 1024

    def __init__(self, max_workers: int | None = None) -> None:
        self._slots = asyncio.Semaphore(max_workers or (os.cpu_count() or 1) + 2)
        self._flights: OrderedDict[tuple[int, str], asyncio.Future[None]] = OrderedDict()
        self.generated = 0  # how many thumbnails this process rendered (tests check single flight)

    async def ensure(self, storage: Storage, original_key: str, thumb_key: str, size: str) -> None:
        """Make sure `thumb_key` exists, generating it from `original_key` if needed."""
        key = (id(storage), thumb_key)
        flight = self._flights.get(key)
        if flight is None:
            if await storage.stat(thumb_key) is not None:
                return
            flight = self._flights.get(key)  # one may have started while we looked
        if flight is None:
            flight = asyncio.ensure_future(self._generate(storage, original_key, thumb_key, size))
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        await asyncio.shield(flight)

    def _landed(self, key: tuple[int, str], flight: asyncio.Future[None]) -> None:
        if flight.cancelled() or flight.exception() is not None:
            self._flights.pop(key, None)
        while len(self._flights) > self.REMEMBERED:
            oldest = next(iter(self._flights))
            if not self._flights[oldest].done():
                break
            self._flights.pop(oldest)

    async def _generate(self, storage: Storage, original_key: str, thumb_key: str, size: str) -> None:
        async with self._slots:
            data = await storage.read_bytes(original_key)
            thumb, content_type = await asyncio.to_thread(render_thumb, data, size)
            await storage.save_bytes(thumb_key, thumb, content_type)
            self.generated += 1
