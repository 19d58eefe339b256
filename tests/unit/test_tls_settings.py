"""The TLS settings (https, tls_cert, tls_key, hsts) and --dev's certificate, without a server
(tests/cli/test_serve_tls.py starts the real ones)."""

from __future__ import annotations

import datetime

import pytest

from bastion.cli.tls_files import TlsFileError, check_pair, dev_certificate
from bastion.config import ConfigError, load_config

TLS_ENV = {"BASTION_HTTPS": "0.0.0.0:8443", "BASTION_TLS_CERT": "c.pem", "BASTION_TLS_KEY": "k.pem"}


def test_https_from_the_environment_serves_the_app_and_http_redirects():
    cfg = load_config(environ=TLS_ENV)
    assert (cfg.listen, cfg.host, cfg.port) == ("0.0.0.0:8443", "0.0.0.0", 8443)
    assert cfg.redirect_http == "127.0.0.1:8090"
    assert cfg.base_url == "https://127.0.0.1:8443"
    assert load_config(environ={**TLS_ENV, "BASTION_HTTP": "off"}).redirect_http is None
    plain = load_config(environ={})
    assert (plain.listen, plain.redirect_http, plain.base_url) == (
        "127.0.0.1:8090",
        None,
        "http://127.0.0.1:8090",
    )


def test_https_settings_from_a_config_file(tmp_path):
    path = tmp_path / "bastion.toml"
    path.write_text('https = "127.0.0.1:8443"\ntls_cert = "c.pem"\ntls_key = "k.pem"\nhsts = false\n')
    cfg = load_config(config_file=path, environ={})
    assert (cfg.https, cfg.tls_cert, cfg.hsts) == ("127.0.0.1:8443", "c.pem", False)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BASTION_HTTP": "off"}, "BASTION_HTTP = off needs https"),
        ({"BASTION_TLS_CERT": "c.pem"}, "BASTION_TLS_CERT is only used with https"),
        ({"BASTION_HTTPS": "127.0.0.1:8443"}, "BASTION_HTTPS needs a certificate"),
        ({**TLS_ENV, "BASTION_TLS_KEY": ""}, "BASTION_TLS_CERT needs BASTION_TLS_KEY too"),
        (
            {"BASTION_HTTPS": "127.0.0.1:8443", "BASTION_TLS_KEY": "k.pem"},
            "BASTION_TLS_KEY needs --tls-cert too",
        ),
        ({**TLS_ENV, "BASTION_HTTPS": "127.0.0.1:8090"}, "are the same address"),
        ({**TLS_ENV, "BASTION_HTTPS": "8443"}, "BASTION_HTTPS must be HOST:PORT"),
    ],
)
def test_tls_settings_that_cannot_work(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ=env)


def test_dev_https_needs_no_files():
    cfg = load_config(environ={"BASTION_HTTPS": "127.0.0.1:8443", "BASTION_DEV": "1"})
    assert (cfg.tls_cert, cfg.port) == ("", 8443)


def test_dev_certificate_is_reused_then_remade_when_expired(tmp_path):
    first = dev_certificate(tmp_path)
    pem = first.cert.read_bytes()
    assert dev_certificate(tmp_path).cert.read_bytes() == pem  # reused across starts
    assert first.key.stat().st_mode & 0o777 == 0o600
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=365)
    remade = dev_certificate(tmp_path, now=later)
    assert remade.cert.read_bytes() != pem
    check_pair(remade.cert, remade.key)
    assert remade.key.stat().st_mode & 0o777 == 0o600


def test_an_unreadable_key_is_named(tmp_path):
    files = dev_certificate(tmp_path)
    files.key.write_text("")
    with pytest.raises(TlsFileError, match="cannot load the certificate"):
        check_pair(files.cert, files.key)


def test_an_encrypted_key_is_refused_without_asking_for_its_pass_phrase(tmp_path):
    from cryptography.hazmat.primitives import serialization

    files = dev_certificate(tmp_path)
    key = serialization.load_pem_private_key(files.key.read_bytes(), None)
    locked = tmp_path / "locked.pem"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(TlsFileError, match="is encrypted: give it unencrypted"):
        check_pair(files.cert, locked)


def test_the_watch_reloads_a_changed_pair_that_loads_and_only_that(tmp_path):
    import os
    import threading
    import time

    from bastion.cli.tls_files import watch_for_changes

    files = dev_certificate(tmp_path / "served")
    reloads: list[int] = []
    reports: list[str] = []
    stop = threading.Event()
    watch_for_changes(files, lambda: reloads.append(1), reports.append, stop, interval=0.02)

    def touched(path, text=None):
        if text is not None:
            path.write_text(text)
        stamp = path.stat().st_mtime + 1
        os.utime(path, (stamp, stamp))

    def settle(until):
        deadline = time.monotonic() + 5
        while not until() and time.monotonic() < deadline:
            time.sleep(0.01)

    try:
        good_cert = files.cert.read_text()
        touched(files.cert, "not a certificate\n")
        settle(lambda: reports)
        assert reloads == [] and "the previous one is still served" in reports[0]
        touched(files.cert, good_cert)
        settle(lambda: reloads)
        assert reloads == [1] and "changed: restarting the workers" in reports[-1]
    finally:
        stop.set()
