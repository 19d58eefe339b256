"""The certificate and key `bastion serve --https` hands granian: checked before anything binds,
and `--dev`'s self-signed certificate for localhost, made on first use in the data directory.

granian's workers read the two files themselves when they start; a bad file would only show as
workers dying in a loop. So the serve command loads the pair here first (the way the workers
will, through OpenSSL) and turns what is wrong into one line that says what to do.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEV_DAYS = 365
"""How long a development certificate is valid; a new one is made when it has expired (or has
less than a day left) at start."""


class TlsFileError(Exception):
    """The certificate or key cannot be served; the message is one line for the user."""


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    self_signed: bool = False
    """The development certificate `--dev` made: browsers warn about it, and no HSTS is sent."""

    def stamp(self) -> tuple[float, float]:
        """The files' modification times, which the reload watch compares (0 when one is gone)."""
        return (_mtime(self.cert), _mtime(self.key))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def check_pair(cert: Path, key: Path, cert_named: str = "--tls-cert", key_named: str = "--tls-key") -> None:
    """Load the pair as the workers will; TlsFileError naming the file and what to do if it fails."""
    for path, named in ((cert, cert_named), (key, key_named)):
        if not path.is_file():
            raise TlsFileError(f"{named}: no file {path} (give the path of a PEM file)")
        if not os.access(path, os.R_OK):
            raise TlsFileError(f"{named}: cannot read {path} (permission denied to this user)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)

    def encrypted() -> str:  # without it OpenSSL would ask for the pass phrase on the terminal
        raise TlsFileError(
            f"{key_named} {key} is encrypted: give it unencrypted (openssl pkey -in KEY -out NEW_KEY), "
            "readable by this user only"
        )

    try:
        context.load_cert_chain(str(cert), str(key), password=encrypted)
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc)
        if "KEY_VALUES_MISMATCH" in reason:
            raise TlsFileError(
                f"{key_named} {key} is not the private key of the certificate {cert_named} {cert} "
                "(give the key the certificate was issued for)"
            ) from None
        raise TlsFileError(
            f"cannot load the certificate {cert} with the key {key} ({reason}): both must be PEM "
            "files, the key unencrypted"
        ) from None
    except OSError as exc:
        raise TlsFileError(f"cannot read {cert} or {key}: {exc.strerror or exc}") from None


def dev_certificate(data_dir: Path, now: datetime.datetime | None = None) -> TlsFiles:
    """`<data_dir>/tls/dev-cert.pem` and `dev-key.pem` (mode 0600), self-signed for localhost,
    127.0.0.1 and ::1: the existing pair while it is valid for another day, else a new one."""
    folder = data_dir / "tls"
    files = TlsFiles(folder / "dev-cert.pem", folder / "dev-key.pem", self_signed=True)
    now = now or datetime.datetime.now(datetime.UTC)
    if _still_valid(files, now):
        return files
    try:
        folder.mkdir(parents=True, exist_ok=True)
        cert_pem, key_pem = _self_signed(now)
        _write_private(files.key, key_pem)
        files.cert.write_bytes(cert_pem)
    except OSError as exc:
        raise TlsFileError(
            f"cannot write the development certificate in {folder}: {exc.strerror or exc}"
        ) from None
    return files


def _still_valid(files: TlsFiles, now: datetime.datetime) -> bool:
    from cryptography import x509  # only a TLS start needs it

    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        check_pair(files.cert, files.key)
    except (OSError, ValueError, TlsFileError):
        return False
    return cert.not_valid_after_utc - now > datetime.timedelta(days=1)


def _self_signed(now: datetime.datetime) -> tuple[bytes, bytes]:
    from cryptography import x509  # only a TLS start needs it
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost (Bastion development)")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=DEV_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        # A CA that is its own leaf: clients may trust the file as their CA bundle
        # (curl --cacert, httpx verify=ssl context) to check it.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by this user only, from the first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
        os.write(fd, data)
    finally:
        os.close(fd)


def watch_for_changes(
    files: TlsFiles,
    reload: Callable[[], None],
    report: Callable[[str], None],
    stop: threading.Event,
    interval: float = 2.0,
) -> threading.Thread:
    """A daemon thread that calls `reload()` when the files change and the new pair loads (a pair
    that does not is reported and not used); it looks every `interval` s until `stop` is set."""

    started = files.stamp()  # the files as the workers are about to read them

    def run() -> None:
        served = seen = started
        while not stop.wait(interval):
            now = files.stamp()
            if now != seen:  # still being written (a new key, then its certificate): look again
                seen = now
                continue
            if now == served:
                continue
            served = now
            try:
                check_pair(files.cert, files.key)
            except TlsFileError as exc:
                report(f"the changed certificate is not used, the previous one is still served: {exc}")
                continue
            report(f"{files.cert} changed: restarting the workers one by one to serve it")
            reload()

    thread = threading.Thread(target=run, name="tls-watch", daemon=True)
    thread.start()
    return thread
