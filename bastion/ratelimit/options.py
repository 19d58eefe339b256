"""Process-level rate-limit options (from Config) and the built-in auth baseline.

The per-route rules are PocketBase's `rateLimits` settings, edited at run time. Two things are
Bastion's own and come from the process configuration instead:

* the **auth baseline**: while `rateLimits.enabled` is false (PocketBase's default), the auth
  routes are still limited by `BASELINE_RULES`, written in the settings' own rule shape. Enabling
  `rateLimits` replaces the baseline with the settings' rules, exactly as PocketBase applies them.
* the **login lockout** (`lockout.py`): N failed password logins for one account from one client
  within a window refuse that client's logins to that account for a cool-down.

Where the counters live (the ephemeral store: database, memory or Redis) is the App's choice,
from `ratelimit_store` and `ratelimit_redis_url`; the limiter only counts in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.core.settings_sections import RateLimitRule

# Looser than PocketBase's own defaults (*:auth 2 per 3 s), which stay in the settings document
# for whoever enables rateLimits: the baseline must never get in the way of a real user, only of
# a script. Counters are per collection and per address (per account for signed-in callers).
BASELINE_RULES: tuple[RateLimitRule, ...] = (
    RateLimitRule(label="*:auth", audience="", duration=60, max_requests=20),
    RateLimitRule(label="*:requestOTP", audience="", duration=60, max_requests=5),
    RateLimitRule(label="*:requestPasswordReset", audience="", duration=60, max_requests=5),
    RateLimitRule(label="*:requestVerification", audience="", duration=60, max_requests=5),
    RateLimitRule(label="*:requestEmailChange", audience="", duration=60, max_requests=5),
)


@dataclass(frozen=True, slots=True)
class LimitOptions:
    auth_baseline: bool = True
    lockout_failures: int = 5  # 0 turns the lockout off
    lockout_window: int = 600  # seconds in which the failures are counted
    lockout_duration: int = 600  # seconds the client stays locked out of the account

    @classmethod
    def from_config(cls, config: Any) -> LimitOptions:
        return cls(
            auth_baseline=bool(config.ratelimit_auth_baseline),
            lockout_failures=int(config.login_lockout_failures),
            lockout_window=int(config.login_lockout_window),
            lockout_duration=int(config.login_lockout_duration),
        )
