"""Settings document: defaults, masking, merging, the typed view and the ported string checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bastion.core import settings_model as sm
from bastion.errors import BadRequestError, InternalError

DEFAULT_RESPONSE = json.loads((Path(__file__).parent / "fixtures" / "default_settings.json").read_text())


def test_defaults_match_a_fresh_pocketbase_byte_for_byte():
    got = json.dumps(sm.masked(sm.default_settings()), separators=(",", ":"))
    assert got == json.dumps(DEFAULT_RESPONSE, separators=(",", ":"))


def test_defaults_are_valid_and_fresh_each_call():
    a = sm.default_settings()
    assert sm.validate_settings(a) == {}
    a["rateLimits"]["rules"].clear()
    assert len(sm.default_settings()["rateLimits"]["rules"]) == 4


def test_default_document_holds_empty_secrets():
    doc = sm.default_settings()
    assert doc["smtp"]["password"] == ""
    assert doc["s3"]["secret"] == ""
    assert doc["backups"]["s3"]["secret"] == ""


def test_masked_leaves_secrets_out_and_does_not_touch_its_input():
    doc = sm.merge_update(
        sm.default_settings(),
        {"smtp": {"password": "p"}, "s3": {"secret": "s"}, "backups": {"s3": {"secret": "b"}}},
    )
    before = copy.deepcopy(doc)
    out = sm.masked(doc)
    assert "password" not in out["smtp"]
    assert "secret" not in out["s3"]
    assert "secret" not in out["backups"]["s3"]
    assert before == doc


def test_secrets_survive_a_round_trip_of_the_masked_body():
    doc = sm.merge_update(sm.default_settings(), {"smtp": {"password": "p"}, "s3": {"secret": "s"}})
    again = sm.merge_update(doc, json.loads(json.dumps(sm.masked(doc))))
    assert again["smtp"]["password"] == "p"
    assert again["s3"]["secret"] == "s"


@pytest.mark.parametrize("value", ["", None])
def test_secret_sent_explicitly_empty_is_cleared(value):
    doc = sm.merge_update(sm.default_settings(), {"smtp": {"password": "p"}})
    assert sm.merge_update(doc, {"smtp": {"password": value}})["smtp"]["password"] == ""


def test_merge_returns_a_new_document():
    current = sm.default_settings()
    before = copy.deepcopy(current)
    new = sm.merge_update(current, {"meta": {"appName": "X"}, "rateLimits": {"rules": []}})
    assert current == before
    assert new["meta"]["appName"] == "X"
    assert new["rateLimits"]["rules"] == []


def test_merge_fills_a_partial_stored_document():
    stored = {"meta": {"appName": "Stored"}, "logs": {"maxDays": 9}}
    doc = sm.merge_update(sm.default_settings(), stored)
    assert doc["meta"]["appName"] == "Stored"
    assert doc["meta"]["appURL"] == "http://localhost:8090"
    assert doc["logs"]["maxDays"] == 9
    assert list(doc) == list(sm.default_settings())


def test_merge_rule_elements_start_from_zero():
    doc = sm.merge_update(sm.default_settings(), {"rateLimits": {"rules": [{"label": "x"}]}})
    assert doc["rateLimits"]["rules"] == [{"label": "x", "audience": "", "duration": 0, "maxRequests": 0}]


def test_null_body_is_a_500_and_a_non_object_a_400():
    with pytest.raises(InternalError):
        sm.merge_update(sm.default_settings(), None)
    with pytest.raises(BadRequestError) as exc:
        sm.merge_update(sm.default_settings(), [])
    assert exc.value.message == sm.LOAD_ERROR
    assert exc.value.data == {}


def test_typed_view():
    doc = sm.merge_update(
        sm.default_settings(),
        {
            "batch": {"enabled": True, "maxRequests": 7},
            "trustedProxy": {"headers": ["X-Real-IP"], "useLeftmostIP": True},
            "superuserIPs": ["127.0.0.1"],
        },
    )
    s = sm.Settings.from_dict(doc)
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
    assert s.rate_limits.rules[0] == sm.RateLimitRule("*:auth", "", 3, 2)
    with pytest.raises(AttributeError):
        s.batch.enabled = False  # read-only


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
    rules = sm.default_settings()["rateLimits"]["rules"]
    rules.insert(0, {"label": "exact", "audience": "@guest", "duration": 1, "maxRequests": 1})
    doc = sm.merge_update(sm.default_settings(), {"rateLimits": {"rules": rules}})
    limits = sm.Settings.from_dict(doc).rate_limits
    rule = limits.find_rule(labels, audiences)
    if want == "guest-only":
        assert rule is not None and rule.audience == "@guest"
    else:
        assert (rule.label if rule else None) == want


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("http://localhost:8090", True),
        ("localhost:8090", True),
        ("https://example.com/a?b=c#d", True),
        ("http://1.2.3.4:99999", True),
        ("http://[::1]:8080/", True),
        ("abc", False),
        ("http://a b", False),
        ("http://.example.com", False),
        ("http://a.com\n", False),
        ("a" * 3000, False),
    ],
)
def test_is_url(value, ok):
    assert sm.is_url(value) is ok


def test_url_check_stays_fast_on_hostile_input():
    # nested quantifiers in the original pattern would backtrack for ages on this
    assert sm.is_url("http://" + "a-" * 900 + "!") is False
    assert sm.is_email("a@" + "a." * 900 + "!") is False


@pytest.mark.parametrize(
    ("value", "ok"),
    [("A@b.co", True), ("a+t@x.io", True), ("a@b", False), ("a..b@c.de", False), ("é@ü.de", True)],
)
def test_is_email(value, ok):
    assert sm.is_email(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("10.0.0.0/8", True),
        ("10.0.0.1/8", True),
        ("::/0", True),
        ("fe80::1%eth0", True),
        ("1.2.3.4/33", False),
        ("1.2.3.4/08", False),
        ("01.2.3.4", False),
        ("x", False),
    ],
)
def test_is_ip_or_subnet(value, ok):
    assert sm.is_ip_or_subnet(value) is ok


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
    assert sm.cron_error(expr) == message
