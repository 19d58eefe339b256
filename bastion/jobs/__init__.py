"""Background work: a durable job queue in the database (the outbox), its runner, and cron.

queue        JobQueue: enqueue in the caller's transaction, handler registration, counts, retry
runner       JobRunner: one per process; claims due jobs, runs them with timeouts, retries
backoff      the delay before a failed job's next attempt (exponential, jittered, capped)
cron         CronScheduler: jobs by id on a PocketBase cron expression, each tick enqueued once
builtin_crons  PocketBase's built-in cron ids and expressions, bound to what the App passes
job_view     what a job shows in /api/jobs and the dashboard: never a payload's secrets
mail_jobs    the auth mails' kinds (verification, reset, OTP, alert): rendered and sent when run

docs/jobs.md states the guarantees. jobs/ imports core, mail, store, bus and config, and auth
for the auth mails it sends; the App wires in what the crons call (log retention, the OTP/MFA
sweep).
"""

from bastion.jobs.cron import CronEntry, CronScheduler
from bastion.jobs.queue import Job, JobInfo, JobQueue, PermanentJobError
from bastion.jobs.runner import JobRunner

__all__ = ["CronEntry", "CronScheduler", "Job", "JobInfo", "JobQueue", "JobRunner", "PermanentJobError"]
