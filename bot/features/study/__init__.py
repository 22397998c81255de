"""Study: the daily push, 打卡, the daily question, the monthly theme — one command matcher and one for plain words."""
