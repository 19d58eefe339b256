"""The `jobs_concurrency` setting: 0 (enqueue and fire crons, run nothing) or more."""

from __future__ import annotations

import pytest

from bastion.config import ConfigError, load_config


def test_jobs_concurrency_defaults_to_four_and_may_be_zero() -> None:
    assert load_config(environ={}).jobs_concurrency == 4
    assert load_config(environ={"BASTION_JOBS_CONCURRENCY": "0"}).jobs_concurrency == 0


def test_a_negative_jobs_concurrency_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="BASTION_JOBS_CONCURRENCY"):
        load_config(environ={"BASTION_JOBS_CONCURRENCY": "-1"})
