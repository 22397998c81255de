"""A terminal playground: try the bot with no QQ or WeChat account.

    python -m bot.playground [--url ws://127.0.0.1:8080/onebot/v11/ws] [--group 5001]

It connects to the running bot over the real OneBot v11 WebSocket, as NapCat or Lagrange would, plays one or more
groups, and lets you type as a driver, a secretary, the group owner or a superuser. Lines starting with `:` are
playground commands (`:帮助` lists them); `@12345` in a line becomes a real @-mention; everything else is sent as
the current person's message. Replies print as they arrive; pictures and files show as placeholder lines.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys

from .onebot_client import ApiCall, OneBotClient

ROLES = {
    "司机": ("20001", "member"),
    "书记": ("20009", "member"),
    "群主": ("20000", "owner"),
    "管理": ("10000", "member"),
}
HELP = """playground 命令：
  :司机 / :书记 / :群主 / :管理   切换身份（管理 = 行业党委超级管理员，需在 SUPERUSERS 中，默认 10000）
  :用户 <QQ号>                   以任意 QQ 号发言
  :群 <群号>                     切换到另一个群（可以扮演多个支部群）
  :私聊                          切换私聊/群聊
  :位置 <纬度> <经度>             发送一个位置分享
  :等 <秒>                       等待机器人的消息（定时推送等）
  :退出                          结束
  其他内容按当前身份发送；用 @12345 表示 @某人。"""

_MENTION = re.compile(r"@(\d{3,})")


def segments(line: str) -> list[dict]:
    """A typed line as OneBot segments: text, with @12345 turned into at segments."""
    out: list[dict] = []
    position = 0
    for match in _MENTION.finditer(line):
        if match.start() > position:
            out.append({"type": "text", "data": {"text": line[position : match.start()]}})
        out.append({"type": "at", "data": {"qq": match.group(1)}})
        position = match.end()
    if position < len(line):
        out.append({"type": "text", "data": {"text": line[position:]}})
    return out or [{"type": "text", "data": {"text": ""}}]


def describe(call: ApiCall) -> str:
    """One reply as the playground prints it."""
    target = call.target
    where = f"群{target[1]}" if target and target[0] == "group" else f"私聊{target[1]}" if target else call.action
    return f"🤖 [{where}] {call.text}"


class Playground:
    """State of one playground session."""

    def __init__(self, client: OneBotClient, group: str) -> None:
        self.client = client
        self.group = group
        self.user, self.role = ROLES["司机"]
        self.role_name = "司机"
        self.private = False

    def prompt(self) -> str:
        """The prompt line: where and who."""
        where = "私聊" if self.private else f"群{self.group}"
        return f"[{where} {self.role_name} {self.user}]> "

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False ends the session."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return await self.command(line[1:].split())
        if self.private:
            await self.client.private_message(self.user, segments(line))
        else:
            await self.client.group_message(self.group, self.user, segments(line), role=self.role)
        return True

    async def command(self, words: list[str]) -> bool:
        """Playground commands."""
        if not words:
            return True
        name, args = words[0], words[1:]
        if name in ROLES:
            (self.user, self.role), self.role_name = ROLES[name], name
        elif name == "用户" and args:
            self.user, self.role, self.role_name = args[0], "member", "用户"
        elif name == "群" and args:
            self.group, self.private = args[0], False
        elif name == "私聊":
            self.private = not self.private
        elif name == "位置" and len(args) == 2:
            location = [
                {"type": "location", "data": {"lat": args[0], "lon": args[1], "title": "我的位置", "content": ""}}
            ]
            if self.private:
                await self.client.private_message(self.user, location)
            else:
                await self.client.group_message(self.group, self.user, location, role=self.role)
        elif name == "等":
            await asyncio.sleep(float(args[0]) if args else 3)
        elif name in ("退出", "quit", "exit"):
            return False
        else:
            print(HELP)
        return True


async def _print_replies(client: OneBotClient) -> None:
    """Print what the bot sends, as it arrives."""
    while True:
        call = await client.calls.get()
        if call.is_send:
            print(describe(call), flush=True)


async def run(url: str, group: str, self_id: str, token: str | None) -> None:
    """Connect and read lines until :退出 or the end of input."""
    client = OneBotClient(url, self_id=self_id, access_token=token)
    await client.connect()
    printer = asyncio.create_task(_print_replies(client))
    playground = Playground(client, group)
    interactive = sys.stdin.isatty()
    print(f"已连接 {url}（机器人账号 {self_id}）。输入 :帮助 查看 playground 命令。", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(
                None, lambda: input(playground.prompt()) if interactive else sys.stdin.readline()
            )
            if not interactive and line == "":
                break
            if not await playground.handle(line):
                break
            await asyncio.sleep(0.6)  # let the replies to this line print before the next prompt
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        await asyncio.sleep(0.5)
        printer.cancel()
        await client.close()


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description="红色方向盘 playground：在终端里扮演 QQ 群与机器人对话")
    parser.add_argument("--url", default="ws://127.0.0.1:8080/onebot/v11/ws")
    parser.add_argument("--group", default="5001")
    parser.add_argument("--self-id", default="10001")
    parser.add_argument("--token", default=None, help="ONEBOT_ACCESS_TOKEN, if the bot has one")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.group, args.self_id, args.token))


if __name__ == "__main__":
    main()
