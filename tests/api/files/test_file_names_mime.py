"""Stored names and content sniffing, against what PocketBase 0.40.6 produced for the same input."""

from __future__ import annotations

import re

import pytest

from bastion.files import file_mime
from bastion.files.file_names import stored_name
from tests.api.files.images import jpeg, png

R = "[a-z0-9]{10}"


@pytest.mark.parametrize(
    ("original", "pattern"),
    [
        ("archive.tar.gz", rf"archive_{R}\.tar\.gz"),
        ("ÄÖÜ-file.TXT", rf"file_{R}\.TXT"),
        ("CamelCaseName.md", rf"camel_case_name_{R}\.md"),
        (".hidden", rf"{R}_{R}\.hidden"),
        ("a b c.d.e.f", rf"a_b_c_d_{R}\.e\.f"),
        ("ext.ThisIsAVeryLongExtensionName12345", rf"ext_{R}\.ngExtensionName12345"),
        ("HTTPServer.log", rf"httpserver_{R}\.log"),
        ("my..name.txt", rf"my{R}_{R}\.name\.txt"),
        ("noext", rf"noext_{R}\.txt"),
        ("x" * 400 + ".txt", rf"x{{100}}_{R}\.txt"),
    ],
)
def test_stored_names_match_pocketbase(original: str, pattern: str) -> None:
    name = stored_name(original, ".txt")
    assert re.fullmatch(pattern, name), name
    assert "/" not in name and not name.startswith(".")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (png(), "image/png"),
        (jpeg(), "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7", "application/pdf"),
        (b"PK\x03\x04rest", "application/zip"),
        (b"hello world", "text/plain; charset=utf-8"),
        (b"", "text/plain; charset=utf-8"),
        (b'{"a": 1}', "application/json"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"<!DOCTYPE html><html></html>", "text/html; charset=utf-8"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
        ("caf\u00e9".encode() * 1000 + "\u00e9".encode()[:1], "text/plain; charset=utf-8"),
    ],
)
def test_sniffing(head: bytes, expected: str) -> None:
    assert file_mime.sniff(head[: file_mime.SNIFF_BYTES]) == expected
