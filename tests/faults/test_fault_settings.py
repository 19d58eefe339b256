"""The database timeout settings: defaults, environment, and values that cannot work."""

from __future__ import annotations

import pytest

from bastion.config import ConfigError, load_config


def test_timeouts_have_defaults_and_come_from_the_environment():
    cfg = load_config(environ={})
    assert (cfg.db_connect_timeout, cfg.db_acquire_timeout, cfg.db_statement_timeout) == (5.0, 10.0, 30.0)
    assert cfg.db_ready_timeout == 2.0
    cfg = load_config(environ={"BASTION_DB_STATEMENT_TIMEOUT": "0", "BASTION_DB_ACQUIRE_TIMEOUT": "2.5"})
    assert cfg.db_statement_timeout == 0 and cfg.db_acquire_timeout == 2.5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("db_connect_timeout", "0"),
        ("db_acquire_timeout", "-1"),
        ("db_ready_timeout", "0"),
        ("db_statement_timeout", "-5"),
    ],
)
def test_a_timeout_that_cannot_work_is_refused_at_start(name, value):
    with pytest.raises(ConfigError, match=f"(?i){name}"):  # named as given (the env var here)
        load_config(environ={f"BASTION_{name.upper()}": value})
