"""The cron jobs every Bastion has, as PocketBase lists them (GET /api/crons on 0.40's binary):
same ids, expressions and order (the order they are added in, which the list keeps). The App passes what each one does (jobs/ never imports logs/ or
auth/)."""

from __future__ import annotations

from bastion.jobs.cron import CronRun, CronScheduler

LOGS_CLEANUP = "__pbLogsCleanup__"
DB_OPTIMIZE = "__pbDBOptimize__"
MFA_CLEANUP = "__pbMFACleanup__"
OTP_CLEANUP = "__pbOTPCleanup__"
AUTO_BACKUP = "__pbAutoBackup__"  # only while settings.backups.cron is set (as PocketBase)

EXPRESSIONS = {
    DB_OPTIMIZE: "0 0 * * *",
    MFA_CLEANUP: "0 * * * *",
    OTP_CLEANUP: "0 * * * *",
    LOGS_CLEANUP: "0 */6 * * *",
}


def add_builtin_crons(
    scheduler: CronScheduler,
    *,
    logs_cleanup: CronRun,
    db_optimize: CronRun,
    mfa_cleanup: CronRun,
    otp_cleanup: CronRun,
) -> None:
    runs = {
        LOGS_CLEANUP: logs_cleanup,
        DB_OPTIMIZE: db_optimize,
        MFA_CLEANUP: mfa_cleanup,
        OTP_CLEANUP: otp_cleanup,
    }
    for cron_id, expression in EXPRESSIONS.items():
        scheduler.add(cron_id, expression, runs[cron_id])


def sync_auto_backup(scheduler: CronScheduler, expression: str, run: CronRun) -> None:
    """Schedule the backup cron on `expression` (settings.backups.cron), or drop it when empty.
    PocketBase adds it after the built-in jobs, so it is listed after them."""
    if not expression:
        scheduler.remove(AUTO_BACKUP)
        return
    entry = scheduler.get(AUTO_BACKUP)
    if entry is None or entry.expression != expression:
        scheduler.add(AUTO_BACKUP, expression, run)
