"""The content codings the compression middleware can produce: brotli, gzip, and zstd if present.

Each codec compresses a whole body in one call (thread-safe: big bodies are compressed in a worker
thread) or a stream chunk by chunk. Streamed chunks are
flushed one by one so a client sees each chunk when the app sends it (NDJSON, long lists), at a
small cost in ratio. Levels favour speed: these run on every dynamic response.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import brotli

GZIP_LEVEL = 6
# Quality 4 is the usual choice for on-the-fly brotli: close to gzip's speed, smaller output.
BROTLI_QUALITY = 4
ZSTD_LEVEL = 3


class StreamCompressor(Protocol):
    def chunk(self, data: bytes) -> bytes: ...
    def finish(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Codec:
    name: str
    compress: Callable[[bytes], bytes]
    stream: Callable[[], StreamCompressor]


class _GzipStream:
    __slots__ = ("_obj",)

    def __init__(self) -> None:
        self._obj = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # wbits 31: gzip framing

    def chunk(self, data: bytes) -> bytes:
        return self._obj.compress(data) + self._obj.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._obj.flush(zlib.Z_FINISH)


def _gzip(body: bytes) -> bytes:
    obj = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return obj.compress(body) + obj.flush(zlib.Z_FINISH)


class _BrotliStream:
    __slots__ = ("_obj",)

    def __init__(self) -> None:
        self._obj = brotli.Compressor(quality=BROTLI_QUALITY)

    def chunk(self, data: bytes) -> bytes:
        return self._obj.process(data) + self._obj.flush()

    def finish(self) -> bytes:
        return self._obj.finish()


def _brotli(body: bytes) -> bytes:
    return brotli.compress(body, quality=BROTLI_QUALITY)


def _zstd_codec() -> Codec | None:
    """zstd from the `zstandard` package when it is installed; None otherwise (then never offered)."""
    try:
        import zstandard
    except ImportError:
        return None

    def compress(body: bytes) -> bytes:
        # A ZstdCompressor runs one operation at a time (and big bodies compress in a thread),
        # so each call gets its own.
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body)

    class _ZstdStream:
        __slots__ = ("_obj",)

        def __init__(self) -> None:
            # A ZstdCompressor runs one operation at a time; each stream needs its own.
            self._obj = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj()

        def chunk(self, data: bytes) -> bytes:
            return self._obj.compress(data) + self._obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

        def finish(self) -> bytes:
            return self._obj.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)

    return Codec("zstd", compress, _ZstdStream)


GZIP = Codec("gzip", _gzip, _GzipStream)
BROTLI = Codec("br", _brotli, _BrotliStream)
ZSTD = _zstd_codec()

# Preference when the client's q-values tie: best ratio for the CPU spent first.
AVAILABLE: tuple[Codec, ...] = tuple(c for c in (BROTLI, ZSTD, GZIP) if c is not None)
