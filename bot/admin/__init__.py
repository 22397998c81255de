"""Operations tooling usable without a running bot: backups, verified restores, portable export and import."""
