"""Operations: /通知 broadcasts, /状态, group membership changes, daily backups and retention."""
