"""Branch and members: /支部, /书记, /部门, /登记, /认定, /档案 — one matcher, dispatch inside."""

from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata

from bot.chat import answer
from bot.commands import route
from bot.core.actor import Actor
from bot.features.branch import handlers
from bot.features.branch.registration import REGISTRATION

__plugin_meta__ = PluginMetadata(
    name="支部",
    description="支部开通与名片、书记任免、承办部门、党员登记与认定、档案",
    usage="/支部 · /登记 · /档案",
    extra={
        "order": 10,
        "commands": [
            {"usage": "/支部", "desc": "本支部名片：名称、书记、人数、推送时间、本月主题", "roles": ["司机"]},
            {"usage": "/支部 开通 <名称>", "desc": "把本群开通为支部", "roles": ["行业党委", "群主"]},
            {"usage": "/登记", "desc": "登记个人信息（对话，可随时回复“取消”）", "roles": ["司机"]},
            {"usage": "/档案", "desc": "查看自己的档案和参与情况", "roles": ["司机"]},
            {"usage": "/档案 @某人", "desc": "查看本支部成员档案（会记录查看日志）", "roles": ["书记", "行业党委"]},
            {
                "usage": "/认定 @某人 <党员|预备党员|积极分子|群众>",
                "desc": "认定成员政治面貌",
                "roles": ["书记", "行业党委"],
            },
            {"usage": "/书记 设置 @某人", "desc": "设置本支部书记", "roles": ["行业党委", "群主"]},
            {"usage": "/书记 移除 @某人", "desc": "移除本支部书记", "roles": ["行业党委", "群主"]},
            {"usage": "/部门 绑定 @某人 <部门>", "desc": "把某人绑定为诉求承办部门", "roles": ["行业党委"]},
            {"usage": "/部门 解绑 @某人 <部门>", "desc": "解除承办部门绑定", "roles": ["行业党委"]},
            {"usage": "/部门", "desc": "查看承办部门及承办人", "roles": ["行业党委", "书记", "承办部门"]},
        ],
    },
)

_ROUTES = {
    "支部": handlers.branch,
    "书记": handlers.secretary,
    "部门": handlers.department,
    "承办部门": handlers.department,
    "登记": handlers.register,
    "认定": handlers.confirm,
    "档案": handlers.profile,
}


@route(*_ROUTES)
async def _dispatch(bot: Bot, event: Event, actor: Actor, name: str, arg: str, at: list[str]) -> None:
    await answer(bot, event, _ROUTES[name](actor, arg, at), mention=name == "登记")


__all__ = ["REGISTRATION"]
