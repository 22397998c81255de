"""Appeal settings (prefixed `appeals_` in .env); the time limits default to the "2252" rule."""

import json
from typing import Any

from pydantic import BaseModel, Field, field_validator


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
    # Pictures and voice messages kept with an appeal (evidence.py): at most this many per appeal, each at most this
    # large, fetched within this time, a voice message at most this long; kept under <DATA_DIR>/<evidence_dir>.
    appeals_evidence_max_items: int = 9
    appeals_evidence_max_bytes: int = 10 * 1024 * 1024
    appeals_evidence_timeout_seconds: float = 20
    appeals_evidence_max_voice_seconds: int = 120
    appeals_evidence_dir: str = "evidence"
    # A folder with a sherpa-onnx SenseVoice model (transcribe.py): voice messages are transcribed into the
    # description. Empty: nothing is transcribed.
    appeals_transcribe_model: str = ""
    # Per level (县, 市, 省): a JSON object of the limits above that differ there, without the prefix, e.g.
    # APPEALS_COUNTY_LIMITS={"accept_hours": 4, "close_working_days": 10}. Unset: timelimits.LEVEL_DEFAULTS.
    appeals_county_limits: dict[str, Any] | None = Field(default=None)
    appeals_city_limits: dict[str, Any] | None = Field(default=None)
    appeals_province_limits: dict[str, Any] | None = Field(default=None)

    @field_validator("appeals_county_limits", "appeals_city_limits", "appeals_province_limits", mode="before")
    @classmethod
    def _json(cls, value: object) -> object:
        """A JSON object as the environment gives it."""
        return json.loads(value) if isinstance(value, str) and value.strip() else value or None

    def level_limits(self) -> dict[str, dict[str, Any]]:
        """Each level's overrides: the defaults, or the setting of that level."""
        from .timelimits import LEVEL_DEFAULTS

        given = {"县": self.appeals_county_limits, "市": self.appeals_city_limits, "省": self.appeals_province_limits}
        return {level: value if value is not None else LEVEL_DEFAULTS[level] for level, value in given.items()}
