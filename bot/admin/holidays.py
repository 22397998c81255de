"""`python -m bot.admin holidays import <file>`: store a year's holidays from the State Council notice.

The file is a CSV `date,kind,name` (kind 假日 or 调休上班; format in data/holidays/README.md). It is checked line by
line and stored per year under `<DATA_DIR>/holidays/<year>.csv`, where the appeal time limits read it; a running
bot reads it the next time it starts.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.features.appeals.holidays import HolidayCalendar, TableError, default_table_dir


def run_import(args: argparse.Namespace) -> int:
    """Check and store the table; print what was stored or which line is wrong."""
    calendar = HolidayCalendar(Path(args.to) if args.to else default_table_dir())
    try:
        years = calendar.import_table(Path(args.path))
    except TableError as error:
        print(f"未导入：{error}")
        return 1
    for year in years:
        print(f"已导入 {year} 年节假日表 → {calendar.table_dir}/{year}.csv")
    print("重启机器人后生效。")
    return 0


def add_parser(commands: Any) -> None:
    """Add `holidays import <file>` to the admin command line."""
    holidays = commands.add_parser("holidays", help="节假日表：导入国务院放假通知整理的 CSV（date,kind,name）")
    actions = holidays.add_subparsers(dest="holidays_command", required=True)
    one = actions.add_parser("import", help="检查并导入节假日表（按年份保存）")
    one.add_argument("path")
    one.add_argument("--to", help="保存目录（默认 <DATA_DIR>/holidays）")
    one.set_defaults(run=run_import)
