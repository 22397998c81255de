"""Sentences of the operator's command line (`python -m bot.admin …`) that more than one command says (Chinese)."""

from __future__ import annotations

BACKUP_NOT_RECORDED = (
    "（备份文件已写好，但没能记入数据库：/状态 里看不到这次备份。数据库结构可能较旧，启动一次机器人即可升级。）"
)
