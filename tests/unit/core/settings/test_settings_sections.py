"""Settings: defaults, masking, binding, the typed view, validation and the cron check."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from bastion.core.cron_expr import cron_error
from bastion.core.settings_binding import LOAD_ERROR, bind_settings, masked
from bastion.core.settings_sections import RateLimitRule, Settings
from bastion.errors import BadRequestError, InternalError

DEFAULT_RESPONSE = json.loads((Path(__file__).parent / "fixtures" / "default_settings.json").read_text())


def test_defaults_match_a_fresh_pocketbase_byte_for_byte():
    got = json.dumps(masked(Settings()), separators=(",", ":"))
    assert got == json.dumps(DEFAULT_RESPONSE, separators=(",", ":"))


def test_defaults_are_valid_and_hold_empty_secrets():
    s = Settings()
    assert s.validate() == {}
    assert (s.smtp.password, s.s3.secret, s.backups.s3.secret) == ("", "", "")
    assert len(s.rate_limits.rules) == 4


def test_settings_are_frozen():
    s = Settings()
    with pytest.raises(AttributeError):
        s.batch.enabled = True  # type: ignore[misc]
    with pytest.raises(AttributeError):
        s.rate_limits.rules.append(RateLimitRule(label="x"))  # type: ignore[attr-defined]


def test_masked_leaves_secrets_out():
    s = bind_settings(
        Settings(), {"smtp": {"password": "p"}, "s3": {"secret": "s"}, "backups": {"s3": {"secret": "b"}}}
    )
    out = masked(s)
    assert "password" not in out["smtp"]
    assert "secret" not in out["s3"]
    assert "secret" not in out["backups"]["s3"]
    assert s.smtp.password == "p"


def test_secrets_survive_a_round_trip_of_the_masked_body():
    s = bind_settings(Settings(), {"smtp": {"password": "p"}, "s3": {"secret": "s"}})
    again = bind_settings(s, json.loads(json.dumps(masked(s))))
    assert (again.smtp.password, again.s3.secret) == ("p", "s")


@pytest.mark.parametrize("value", ["", None])
def test_secret_sent_explicitly_empty_is_cleared(value):
    s = bind_settings(Settings(), {"smtp": {"password": "p"}})
    assert bind_settings(s, {"smtp": {"password": value}}).smtp.password == ""


def test_binding_returns_a_new_document():
    current = Settings()
    new = bind_settings(current, {"meta": {"appName": "X"}, "rateLimits": {"rules": []}})
    assert current == Settings()
    assert new.meta.app_name == "X"
    assert new.rate_limits.rules == ()


def test_binding_fills_a_partial_stored_document():
    s = bind_settings(Settings(), {"meta": {"appName": "Stored"}, "logs": {"maxDays": 9}})
    assert s.meta.app_name == "Stored"
    assert s.meta.app_url == "http://localhost:8090"
    assert s.logs.max_days == 9


def test_rule_elements_start_from_zero():
    s = bind_settings(Settings(), {"rateLimits": {"rules": [{"label": "x"}]}})
    assert s.rate_limits.rules == (RateLimitRule(label="x", audience="", duration=0, max_requests=0),)


def test_null_section_is_all_zero_not_the_defaults():
    s = bind_settings(Settings(), {"meta": None})
    assert (s.meta.app_name, s.meta.app_url, s.meta.accent_color) == ("", "", "")


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"smtp": {"port": 25.0}},
        {"smtp": {"port": "25"}},
        {"smtp": {"port": True}},
        {"smtp": {"port": 2**63}},
        {"smtp": {"enabled": 1}},
        {"meta": 5},
        {"meta": {"appName": ["x"]}},
        {"rateLimits": {"rules": {}}},
        {"rateLimits": {"rules": [1]}},
        {"superuserIPs": "1.2.3.4"},
        {"trustedProxy": {"headers": [1]}},
        {"meta": {"appname": "a", "app_name": "b"}},
    ],
)
def test_wrong_types_are_the_load_error(body):
    with pytest.raises(BadRequestError) as exc:
        bind_settings(Settings(), body)
    assert (exc.value.message, exc.value.data) == (LOAD_ERROR, {})


def test_null_body_is_a_500():
    with pytest.raises(InternalError):
        bind_settings(Settings(), None)


def test_int64_bounds_bind():
    assert bind_settings(Settings(), {"smtp": {"port": -(2**63)}}).smtp.port == -(2**63)


def test_typed_view():
    s = bind_settings(
        Settings(),
        {
            "batch": {"enabled": True, "maxRequests": 7},
            "trustedProxy": {"headers": ["X-Real-IP"], "useLeftmostIP": True},
            "superuserIPs": ["127.0.0.1"],
        },
    )
    assert s.batch.enabled is True
    assert s.batch.max_requests == 7
    assert s.batch.timeout == 3
    assert s.meta.app_url == "http://localhost:8090"
    assert s.meta.accent_color == "#1055c9"
    assert s.trusted_proxy.headers == ("X-Real-IP",)
    assert s.trusted_proxy.use_leftmost_ip is True
    assert s.superuser_ips == ("127.0.0.1",)
    assert s.logs.log_ip is True
    assert s.smtp.auth_method == ""
    assert s.backups.s3.force_path_style is False
    assert s.rate_limits.rules[0] == RateLimitRule(label="*:auth", duration=3, max_requests=2)
    assert msgspec.structs.replace(s.batch, enabled=False).enabled is False


@pytest.mark.parametrize(
    ("labels", "audiences", "want"),
    [
        (["users:auth", "*:auth"], (), "*:auth"),
        (["POST /api/batch", "/api/batch"], (), "/api/batch"),
        (["GET /api/collections/x/records", "/api/collections/x/records"], (), "/api/"),
        (["/other"], (), None),
        (["exact", "/api/x"], ("@guest",), "guest-only"),
        (["exact", "/api/x"], ("@auth",), None),
        (["exact", "/api/x"], ("", "@auth"), "/api/"),
    ],
)
def test_find_rate_limit_rule(labels, audiences, want):
    rules = [RateLimitRule(label="exact", audience="@guest", duration=1, max_requests=1)]
    limits = msgspec.structs.replace(Settings().rate_limits, rules=(*rules, *Settings().rate_limits.rules))
    rule = limits.find_rule(labels, audiences)
    if want == "guest-only":
        assert rule is not None and rule.audience == "@guest"
    else:
        assert (rule.label if rule else None) == want


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("@daily", None),
        ("0,15,30 1-5/2 * * 1-5", None),
        (
            "@reboot",
            "Invalid cron expression - must be a valid macro or to have exactly 5 space separated segments.",
        ),
        ("*/0 * * * *", "Invalid segment step boundary - the step must be between 1 and the 59."),
        ("x * * * *", 'Strconv.Atoi: parsing "x": invalid syntax.'),
        ("5-1 * * * *", "Invalid segment range maximum - must be between 5 and 59."),
        ("* * * * 7", "Invalid segment value - must be between the min and max of the segment."),
    ],
)
def test_cron_error(expr, message):
    assert cron_error(expr) == message
