"""One-time codes across processes: two Apps on one database stand for two workers (or nodes).
OTP and MFA sessions and the tries counted against a code are rows in the database, so a code
requested through one worker signs in through the other, and guesses spread over both count
once (PocketBase's 5 tries per code)."""

from __future__ import annotations

from tests.api.auth_otp.helpers import BASE, enable_otp, request_code
from tests.conftest import ApiClient, client_from, second_app
from tests.support.smtp_server import SmtpSink


async def test_a_code_requested_on_one_worker_signs_in_on_the_other(
    mail_api: ApiClient, smtp: SmtpSink
) -> None:
    await mail_api.create_user("otto@example.com")
    await enable_otp(mail_api)
    async with second_app(mail_api) as worker_two, client_from(worker_two, "127.0.0.1") as two:
        otp_id, code = await request_code(mail_api, smtp, "otto@example.com")
        r = await two.post(f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
        assert r.status_code == 200, r.text
        assert r.json()["record"]["email"] == "otto@example.com"


async def test_guesses_at_a_code_count_once_across_workers(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("olga@example.com")
    await enable_otp(mail_api)
    async with second_app(mail_api) as worker_two, client_from(worker_two, "127.0.0.1") as two:
        otp_id, code = await request_code(mail_api, smtp, "olga@example.com")
        wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
        statuses = []
        for i in range(6):
            request = {"otpId": otp_id, "password": wrong}
            if i % 2:
                statuses.append((await two.post(f"{BASE}/auth-with-otp", json=request)).status_code)
            else:
                r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json=request)
                statuses.append(r.status_code)
        assert statuses == [400] * 5 + [429]
        r = await two.post(f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
        assert r.status_code == 429
