"""Backups of the data directory (PocketBase's `/api/backups`): zip archives in `<data dir>/backups`,
or in the `backups.s3` bucket when the settings turn it on (backup_store.py, backup_store_s3.py).

No HTTP here; bastion/api/backups.py serves them and the App schedules the backup cron.
"""

from bastion.backups.backup_restore import RestoreError
from bastion.backups.backup_service import BackupBusy, BackupFailed, Backups, PostgresSource
from bastion.backups.backup_store import BackupDownload, BackupInfo, BackupStoreError

__all__ = [
    "BackupBusy",
    "BackupDownload",
    "BackupFailed",
    "BackupInfo",
    "BackupStoreError",
    "Backups",
    "PostgresSource",
    "RestoreError",
]
