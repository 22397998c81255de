"""`python -m bot.admin holidays import <file>`: store a year's holidays from the State Council notice.

The file is a CSV `date,kind,name` (kind 假日 or 调休上班; format in data/holidays/README.md). It is checked line by
line and stored per year under `<DATA_DIR>/holidays/<year>.csv`, where the appeal time limits read it; a running
bot reads it the next time it starts.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from bot.features.appeals.holidays import HolidayCalendar, TableError, default_table_dir

NOT_UTF8 = "文件不是 UTF-8 编码的 CSV，请另存为 UTF-8 后再导入。"
# The calendar (bot/features/appeals/holidays.py) names a bad line in English; the operator reads Chinese.
_IN_WORDS = (
    (
        re.compile(r"line (\d+): expected date,kind,name"),
        "第 {0} 行：应为三列「日期,类型,名称」，例如 2027-01-01,假日,元旦。",
    ),
    (
        re.compile(r"line (\d+): '(.*)' is not a date \(YYYY-MM-DD\)"),
        "第 {0} 行：「{1}」不是日期，日期应写成 2027-01-01。",
    ),
    (
        re.compile(r"line (\d+): kind must be .*, not '(.*)'"),
        "第 {0} 行：类型应为「假日」或「调休上班」，不是「{1}」。",
    ),
    (re.compile(r"the table has no rows"), "表里没有任何日期。"),
    (re.compile(r"no holiday directory configured"), "没有配置节假日表的保存目录（--to 或 DATA_DIR）。"),
)


def in_words(message: str) -> str:
    """A table error as a Chinese sentence (an unknown one as it is)."""
    for pattern, sentence in _IN_WORDS:
        found = pattern.fullmatch(message)
        if found:
            return sentence.format(*found.groups())
    return message


def run_import(args: argparse.Namespace) -> int:
    """Check and store the table; print what was stored or which line is wrong."""
    calendar = HolidayCalendar(Path(args.to) if args.to else default_table_dir())
    try:
        years = calendar.import_table(Path(args.path))
    except TableError as error:
        print(f"未导入：{in_words(str(error))}")
        return 1
    except UnicodeDecodeError:
        print(f"未导入：{NOT_UTF8}")
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
