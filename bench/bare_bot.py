"""Bare NoneBot with one echo command: the framework's own ceiling that bench/chatter compares against."""

import nonebot
from nonebot import on_command
from nonebot.adapters import Message
from nonebot.adapters.onebot.v11 import Adapter, MessageSegment
from nonebot.params import CommandArg

nonebot.init(driver="~fastapi+~websockets", command_start=["/", "#"], log_level="WARNING")
nonebot.get_driver().register_adapter(Adapter)

echo = on_command("echo")


@echo.handle()
async def _echo(arg: Message = CommandArg()) -> None:
    await echo.finish(MessageSegment.text(arg.extract_plain_text() or "echo"))


if __name__ == "__main__":
    nonebot.run()
