"""Differential cases for PATCH /api/settings bodies PocketBase cannot bind (issue #14): wrong
types, numbers past int64, repeated member names, undecodable JSON, values its validators refuse;
and the url and email fields, which share those format checks. None of them changes anything:
the last case reads the settings back."""

from __future__ import annotations

from typing import Any

from .diff_compare import Case

SETTINGS = "/api/settings"
NOTES = "/api/collections/notes/records"


def _patch(case_id: str, body: Any = None, raw: str | None = None, **kw: Any) -> Case:
    return Case(f"settings_{case_id}", SETTINGS, method="PATCH", body=body, raw=raw, **kw)


def settings_cases() -> list[Case]:
    return [
        # the body is no object, or no JSON PocketBase decodes
        _patch("array_body", raw="[]"),
        _patch("string_body", raw='"x"'),
        _patch("null_body", raw="null"),
        _patch("truncated_body", raw="{"),
        _patch("nan", raw='{"smtp":{"port":NaN}}'),
        _patch("lone_surrogate", raw='{"meta":{"appName":"a\\ud800"}}'),
        _patch("repeated_name", raw='{"meta":{"appName":"x","appName":"y"}}'),
        _patch("repeated_unknown_name", raw='{"foo":1,"foo":2}'),
        _patch("repeated_folded_name", {"meta": {"appname": "x", "app_name": "y"}}),
        # numbers: Go's int takes int64 and no fraction
        _patch("int_past_int64", raw='{"smtp":{"port":9223372036854775808}}'),
        _patch("int_past_uint64", raw='{"smtp":{"port":99999999999999999999}}'),
        _patch("int_past_float64", raw='{"smtp":{"port":1e400}}'),
        _patch("int_as_float", raw='{"smtp":{"port":25.0}}'),
        _patch("int_as_exponent", raw='{"logs":{"maxDays":5e0}}'),
        _patch("int_as_string", {"smtp": {"port": "25"}}),
        _patch("int_as_bool", {"batch": {"timeout": True}}),
        _patch("int64_min_is_validated", raw='{"smtp":{"port":-9223372036854775808}}'),
        # other wrong types
        _patch("bool_as_number", {"smtp": {"enabled": 1}}),
        _patch("string_as_array", {"meta": {"appName": ["x"]}}),
        _patch("section_as_number", {"meta": 5}),
        _patch("rules_as_object", {"rateLimits": {"rules": {}}}),
        _patch("rule_as_number", {"rateLimits": {"rules": [1]}}),
        _patch("string_list_as_string", {"superuserIPs": "1.2.3.4"}),
        _patch("string_list_of_numbers", {"trustedProxy": {"headers": [1]}}),
        # null elements become zero values, which the validators then refuse
        _patch("null_rule", {"rateLimits": {"rules": [None]}}),
        _patch("null_ip", {"superuserIPs": [None]}),
        _patch("null_section", {"meta": None}),
        # the format checks settings share with fields
        _patch("app_url_bad_escape", {"meta": {"appURL": "http://a.b/%zz"}}),
        _patch("app_url_two_ports", {"meta": {"appURL": "http://a.b:80:80"}}),
        _patch("sender_quoted_empty", {"meta": {"senderAddress": '""@b.co'}}),
        _patch("s3_endpoint_no_url", {"s3": {"endpoint": "a.b1"}}),
        _patch("smtp_host_space", {"smtp": {"host": "a b"}}),
        _patch(
            "excluded_ip_zone_with_slash", {"rateLimits": {"excludedIPs": ["fe80::1%eth0/33", "1.2.3.4%x"]}}
        ),
        _patch("backups_cron", {"backups": {"cron": "* * * * 7", "cronMaxKeep": 0}}),
        _patch("negative_timeout", {"batch": {"timeout": -1}}),
        # the same checks on record fields (notes: text required, mail an email, site a url)
        Case(
            "settings_url_field_bad_escape",
            NOTES,
            method="POST",
            body={"text": "x", "site": "http://a.b/%zz"},
        ),
        Case("settings_url_field_no_host", NOTES, method="POST", body={"text": "x", "site": "a.b1"}),
        Case("settings_email_field_quoted", NOTES, method="POST", body={"text": "x", "mail": '"a b"@b.co'}),
        Case("settings_unchanged_after_refusals", SETTINGS),
    ]
