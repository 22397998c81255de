"""The playground talks to the running bot as an OneBot implementation and shows its replies."""

import subprocess
import sys

from tests.support.botprocess import ROOT


def test_playground_opens_a_branch_and_registers_a_member(bot_process):
    script = (
        "\n".join(
            [
                ":群主",
                "/支部 开通 试用支部",
                ":管理",
                "/书记 设置 @20009",
                ":司机",
                "/登记",
                "周师傅",
                ":私聊",
                "13912345678",
                "跳过",
                "跳过",
                "跳过",
                "1",
                "确认",
                ":私聊",
                ":书记",
                "/认定 @20001 党员",
                ":司机",
                "/档案",
                ":退出",
            ]
        )
        + "\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.playground", "--url", bot_process.v11_url()],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "已开通「试用支部」" in out
    assert "已设置" in out and "书记" in out
    assert "登记成功" in out
    assert "已认定 周师傅 为党员" in out
    assert "【档案】周师傅（试用支部）\n政治面貌：党员" in out and "139" not in out.split("【档案】")[-1]
