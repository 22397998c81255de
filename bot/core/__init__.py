"""Framework-neutral foundation: settings, clock, database, delivery, ledger, roles, conversations."""
