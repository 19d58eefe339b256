"""Backups of the data directory (PocketBase's `/api/backups`): zip archives in `<data dir>/backups`.

No HTTP here; bastion/api/backups.py serves them and the App schedules the backup cron.
"""

from bastion.backups.backup_restore import RestoreError
from bastion.backups.backup_service import BackupBusy, BackupFailed, BackupInfo, Backups, PostgresSource

__all__ = ["BackupBusy", "BackupFailed", "BackupInfo", "Backups", "PostgresSource", "RestoreError"]
