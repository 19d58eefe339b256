"""Configuration: precedence, validation messages, and that every setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.config import ConfigError, describe, load_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_precedence_file_then_env_then_flags(tmp_path):
    cfg_file = tmp_path / "bastion.toml"
    cfg_file.write_text('http = "127.0.0.1:9000"\nlog_level = "debug"\nworkers = 2\n')
    cfg = load_config({"workers": 3}, config_file=cfg_file, environ={"BASTION_LOG_LEVEL": "warning"})
    assert (cfg.http, cfg.log_level, cfg.workers) == ("127.0.0.1:9000", "warning", 3)


def test_invalid_values_name_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="HOST:PORT"):
        load_config({"http": "nonsense"}, environ={})
    with pytest.raises(ConfigError, match="BASTION_WORKERS"):
        load_config(environ={"BASTION_WORKERS": "many"})
    bad = tmp_path / "bad.toml"
    bad.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown settings.*colour"):
        load_config(config_file=bad, environ={})


def test_every_setting_is_documented():
    text = DOCS.read_text()
    for name, env, _, help_ in describe():
        assert f"`{name}`" in text and f"`{env}`" in text, name
        assert help_, f"{name} has no help text"
