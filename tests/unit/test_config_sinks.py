"""The event_sinks setting: from the config file (array of tables) and the environment (JSON),
and the start-up errors that name the setting, the sink and the key."""

from __future__ import annotations

import json

import pytest

from bastion.config import ConfigError, load_config
from bastion.config_sinks import EventSinkConfig

TOML = """
[[event_sinks]]
name = "rabbit"
url = "amqp://guest:guest@127.0.0.1:5672/"
target = "bastion.events"
collections = ["orders"]
events = ["create", "update"]

[[event_sinks]]
name = "stream"
url = "redis://127.0.0.1:6379/0"
target = "bastion:events"
max_len = 10000

[[event_sinks]]
name = "js"
url = "nats://127.0.0.1:4222"
target = "BASTION:bastion.events"
"""


def test_sinks_from_the_config_file(tmp_path):
    path = tmp_path / "bastion.toml"
    path.write_text(TOML)
    cfg = load_config(config_file=path, environ={})
    assert cfg.event_sinks == [
        EventSinkConfig(
            "rabbit",
            "amqp://guest:guest@127.0.0.1:5672/",
            "bastion.events",
            ("orders",),
            ("create", "update"),
        ),
        EventSinkConfig("stream", "redis://127.0.0.1:6379/0", "bastion:events", max_len=10000),
        EventSinkConfig("js", "nats://127.0.0.1:4222", "BASTION:bastion.events"),
    ]
    assert [s.kind for s in cfg.event_sinks] == ["rabbitmq", "redis", "nats"]


def test_sinks_from_the_environment_as_json_override_the_file(tmp_path):
    path = tmp_path / "bastion.toml"
    path.write_text(TOML)
    env = {"BASTION_EVENT_SINKS": json.dumps([{"name": "r", "url": "redis://h/0", "target": "s"}])}
    assert [s.name for s in load_config(config_file=path, environ=env).event_sinks] == ["r"]
    assert load_config(environ={"BASTION_EVENT_SINKS": ""}).event_sinks == []


def test_no_sinks_by_default():
    assert load_config(environ={}).event_sinks == []


@pytest.mark.parametrize(
    ("sinks", "message"),
    [
        ("not json", r"BASTION_EVENT_SINKS must be a JSON array"),
        ({"name": "x"}, r"BASTION_EVENT_SINKS must be an array of tables"),
        (["x"], r"BASTION_EVENT_SINKS\[0\] must be a table"),
        ([{"url": "redis://h", "target": "s"}], r"BASTION_EVENT_SINKS\[0\]\.name is required"),
        ([{"name": "a", "url": "redis://h"}], r"\[0\]\.target is required"),
        ([{"name": "a b", "url": "redis://h", "target": "s"}], r"\[0\]\.name must be letters"),
        (
            [{"name": "a", "url": "http://h", "target": "s"}],
            r"BASTION_EVENT_SINKS\[0\] \(a\)\.url must start with amqp://, nats:// or redis://",
        ),
        ([{"name": "a", "url": "redis://h", "target": "s", "topic": "t"}], r"unknown keys topic"),
        ([{"name": "a", "url": "redis://h", "target": "s", "events": ["insert"]}], r"events may hold"),
        ([{"name": "a", "url": "redis://h", "target": "s", "collections": "posts"}], r"collections must be"),
        ([{"name": "a", "url": "amqp://h", "target": "s", "max_len": 5}], r"max_len applies to Redis"),
        ([{"name": "a", "url": "redis://h", "target": "s", "max_len": -1}], r"max_len must be a whole"),
        ([{"name": "a", "url": "nats://h", "target": "MY.STREAM"}], r"target must be STREAM or STREAM:"),
        ([{"name": "a", "url": "nats://h", "target": "S:bad subject"}], r"target must be STREAM"),
        (
            [
                {"name": "a", "url": "redis://h", "target": "s"},
                {"name": "a", "url": "redis://h", "target": "t"},
            ],
            r"two sinks are named 'a'",
        ),
    ],
)
def test_invalid_sinks_name_the_setting_and_the_key(sinks, message):
    raw = sinks if isinstance(sinks, str) else json.dumps(sinks)
    with pytest.raises(ConfigError, match=message):
        load_config(environ={"BASTION_EVENT_SINKS": raw})


def test_a_file_error_names_the_file(tmp_path):
    path = tmp_path / "bastion.toml"
    path.write_text('[[event_sinks]]\nname = "a"\nurl = "kafka://h"\ntarget = "t"\n')
    with pytest.raises(ConfigError, match=r"event_sinks in .*bastion\.toml\[0\] \(a\)\.url must start"):
        load_config(config_file=path, environ={})
