"""Every sentence of /后台 a user reads."""

AREA = "后台"
AREA_DESCRIPTION = "网页后台：概览、诉求看板、支部台账、驿站地图"
SUMMARY = "私聊获取网页后台的一次性登录链接"
SIGN_OUT_ALL_SUMMARY = "结束您在所有设备上的网页后台登录"
OFF = "网页后台未开启。"
ASK_PRIVATELY = "请私聊机器人发送 /后台 获取登录链接。"
ROLES_ONLY = "网页后台只对行业党委、支部书记和承办部门开放。"
NOT_CONFIGURED = (
    "网页后台还没有配置访问地址，暂时不能登录。请管理员在 .env 里设置 WEB_BASE_URL（大家打开后台用的地址）。"
)
LINK = (
    "网页后台登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{url}\n"
    "打开后点「确认登录」。要结束所有设备上的登录，发送 /后台 退出全部。"
)
SIGNED_OUT_ALL = "已结束您的 {count} 个网页后台登录：之前打开的页面都需要重新登录。"
NONE_TO_SIGN_OUT = "您没有登录中的网页后台。"
