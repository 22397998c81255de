"""Records rules, framework-neutral: activities (activities.py), contacts (contacts.py), points and the monthly
report (reports.py), the ledger export (export.py) — one service over one database, built by `build(services)`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.db import Database

from .activities import ActivityRecords, Cancellation, CheckIn, SignupResult, Withdrawal, parse_id, parse_when
from .contacts import ContactRecords
from .export import EXPORT_PREFIX, LedgerExports, sweep
from .reports import AppealFigures, MonthlyReport, PointReports, Points, month_end, parse_month, report_text
from .roster import Rosters

if TYPE_CHECKING:
    from bot.services import Services

__all__ = [
    "Cancellation",
    "CheckIn",
    "MonthlyReport",
    "Points",
    "RecordsService",
    "SignupResult",
    "Withdrawal",
    "build",
    "month_end",
    "parse_id",
    "parse_month",
    "parse_when",
    "report_text",
]


class RecordsService(ActivityRecords, ContactRecords, PointReports, LedgerExports):
    """Activities, contacts, points, reports and exports over one database."""

    def __init__(
        self,
        database: Database,
        checkin_before: timedelta = timedelta(minutes=30),
        checkin_after: timedelta = timedelta(hours=2),
        *,
        appeals: AppealFigures | None = None,
        export_dir: Path | None = None,
        export_keep: timedelta = timedelta(minutes=10),
        chart: bool = True,
    ) -> None:
        self.database = database
        self.checkin_before = checkin_before
        self.checkin_after = checkin_after
        self.appeals = appeals
        self.export_dir = export_dir or Path("data") / "exports"
        self.export_keep = export_keep
        self.chart = chart
        self.rosters = Rosters(database)

    def forget_export(self, path: str) -> bool:
        """Remove one export file once it was handed over; only files this service wrote are touched."""
        file = Path(path)
        try:
            if file.resolve().parent != self.export_dir.resolve() or not file.name.startswith(EXPORT_PREFIX):
                return False
            file.unlink()
        except (OSError, ValueError):
            return False
        return True

    def sweep_exports(self) -> int:
        """Remove export files older than the setting (after they were handed over); returns how many."""
        return sweep(self.export_dir, self.export_keep.total_seconds())


def build(services: Services) -> RecordsService:
    """The records service of a process, from the `RECORDS_*` settings; asks appeals for its monthly figures."""
    from bot.core.settings import load_config

    from .config import Config
    from .flows import publish_flow

    config = load_config(Config)
    service = RecordsService(
        services.database,
        timedelta(minutes=config.records_checkin_before_minutes),
        timedelta(minutes=config.records_checkin_after_minutes),
        appeals=services.appeals,
        export_dir=Path(config.records_export_dir)
        if config.records_export_dir
        else services.settings.data_dir / "exports",
        export_keep=timedelta(minutes=config.records_export_keep_minutes),
        chart=config.records_chart,
    )
    services.conversations.register(publish_flow(services))

    async def sweep_at_start() -> None:
        """Export files left by a previous run go."""
        service.sweep_exports()

    services.startup.append(sweep_at_start)
    return service
