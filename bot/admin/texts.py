"""Sentences of the operator's command line (`python -m bot.admin …`) that more than one command says (Chinese)."""

from __future__ import annotations

import re

BACKUP_NOT_RECORDED = (
    "（备份文件已写好，但没能记入数据库：/状态 里看不到这次备份。数据库结构可能较旧，启动一次机器人即可升级。）"
)

# ---- refused before anything is touched (exit code 2) -------------------------------------------------------------
BAD_URL = (
    "数据库地址{url}不对：应为 sqlite+aiosqlite:///<文件路径> 或 postgresql+asyncpg://<用户>:<密码>@<主机>:5432/<库名>。"
    "未做任何改动。"
)
NO_DATABASE_FILE = (
    "数据库文件 {path} 不存在，未做任何改动：请检查 --database-url 或 DATABASE_URL；"
    "新安装请先启动一次机器人或运行 python -m bot.admin init。"
)
NO_DATABASE_FOLDER = "数据库所在的文件夹 {path} 不存在，未做任何改动：请检查 --database-url 或 DATABASE_URL。"
NO_INPUT = "找不到文件 {path}，未做任何改动。"
INITIALISED = "数据库已就绪（结构已是当前版本）。"

# ---- a file operation that failed while running (exit code 1) -----------------------------------------------------
FILE_FAILED = "未执行完：文件 {path} {why}。"


def bad_arguments(message: str, prog: str) -> str:
    """argparse's complaint in words: an unknown command, a missing or an extra argument."""
    if match := re.search(r"invalid choice: '([^']*)'", message):
        said = f"没有「{match[1]}」这个命令"
    elif match := re.search(r"required: (.*)$", message):
        said = f"缺少参数：{match[1]}"
    elif match := re.search(r"unrecognized arguments: (.*)$", message):
        said = f"多余的参数：{match[1]}"
    else:
        said = "参数不对"
    return f"{said}。未做任何改动；用法见 {prog} --help。"


def file_error(error: OSError) -> str:
    """What went wrong with a file, in words (the system's own text is English)."""
    if isinstance(error, FileNotFoundError):
        return "不存在（或其所在的文件夹不存在）"
    if isinstance(error, PermissionError):
        return "没有读写权限"
    if isinstance(error, IsADirectoryError):
        return "是一个文件夹，不是文件"
    return "无法读写"
