"""`python -m bot.admin org import <file>` and `roster import <file>`: a province's organization and the rosters it
kept, loaded by the operator on the server (without a running bot or NoneBot).

Both files are CSV (UTF-8 or GBK) or XLSX with a header line; both imports are one transaction: a file with any bad
line imports nothing and the bad lines are listed with their numbers; importing the same file again changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
from pathlib import Path
from typing import Any

from bot.core.settings import get_settings


def _by() -> str:
    """Who ran the import, as the records keep it."""
    return f"admin:{getpass.getuser()}"


async def _org(url: str, path: Path) -> int:
    """Run the organization import and print what it did."""
    from bot.core.branches import BranchDirectory, Roles
    from bot.core.db import Database
    from bot.core.migrate import import_all_models, upgrade
    from bot.features.org import texts
    from bot.features.org.service import OrgService

    import_all_models()
    database = Database(url)
    try:
        await upgrade(database)
        report = await OrgService(database, Roles(database, BranchDirectory(database))).import_file(path, _by())
    finally:
        await database.dispose()
    if report.problems:
        print(texts.IMPORT_REFUSED.format(count=len(report.problems)))
        for problem in report.problems:
            print(texts.IMPORT_LINE.format(line=problem.line, reason=problem.reason))
        return 1
    print(
        texts.IMPORT_DONE.format(
            added=report.added,
            updated=report.updated,
            placed=report.placed,
            created=report.created,
            departments=report.departments,
        )
    )
    return 0


async def _roster(url: str, path: Path) -> int:
    """Run the roster import (every branch is in the operator's scope) and print what it did."""
    from bot.core.db import Database
    from bot.core.migrate import import_all_models, upgrade
    from bot.core.scope import EVERYTHING
    from bot.features.records import texts
    from bot.features.records.roster import Rosters

    import_all_models()
    database = Database(url)
    try:
        await upgrade(database)
        report = await Rosters(database).import_file(path, _by(), EVERYTHING)
    finally:
        await database.dispose()
    if report.problems:
        print(texts.ROSTER_REFUSED.format(count=len(report.problems)))
        for problem in report.problems:
            print("  " + texts.ROSTER_LINE.format(line=problem.line, reason=problem.reason))
        return 1
    print(texts.ROSTER_DONE.format(added=report.added, updated=report.updated, linked=report.linked))
    return 0


def run_org(args: argparse.Namespace) -> int:
    """Import committees and branches."""
    return asyncio.run(_org(args.database_url or get_settings().database_url, Path(args.path)))


def run_roster(args: argparse.Namespace) -> int:
    """Import a roster."""
    return asyncio.run(_roster(args.database_url or get_settings().database_url, Path(args.path)))


def add_parser(commands: Any) -> None:
    """Add `org import <file>` and `roster import <file>` to the admin command line."""
    org = commands.add_parser("org", help="组织：导入行业党委（省、市、县）和支部隶属（CSV/XLSX）")
    actions = org.add_subparsers(dest="org_command", required=True)
    one = actions.add_parser("import", help="导入组织表：级别,名称,上级,区划代码,部门（可重复执行；有错行则不导入）")
    one.add_argument("path")
    one.set_defaults(run=run_org)
    roster = commands.add_parser("roster", help="台账：导入原有台账（CSV/XLSX）")
    actions = roster.add_subparsers(dest="roster_command", required=True)
    one = actions.add_parser("import", help="导入台账：姓名,手机,车牌,政治面貌,支部（可重复执行；有错行则不导入）")
    one.add_argument("path")
    one.set_defaults(run=run_roster)
