"""Appeal settings (prefixed `appeals_` in .env); the time limits default to the "2252" rule."""

from pydantic import BaseModel


class Config(BaseModel):
    """What a deployment may tune."""

    appeals_accept_hours: float = 24
    appeals_transfer_hours: float = 2
    appeals_feedback_working_days: int = 2
    appeals_opinion_working_days: int = 3
    appeals_close_working_days: int = 5
    appeals_follow_up_working_days: int = 2
    appeals_urgent_transfer_minutes: int = 30
    appeals_urgent_close_hours: float = 24
    appeals_remind_fraction: float = 0.8
    appeals_check_minutes: float = 5
    appeals_per_user_per_day: int = 5
