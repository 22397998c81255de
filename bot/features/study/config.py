"""Study settings (prefixed `study_` in .env)."""

from pydantic import BaseModel


class Config(BaseModel):
    """What a deployment may tune."""

    study_default_push_time: str = "07:30"
    study_materials_dir: str = ""  # empty: the materials shipped in the package (bot/features/study/data)
    study_remind_max_mentions: int = 30
    study_push_check_seconds: int = 30
    study_answer_wait_minutes: int = 5  # after /答题, a bare letter from the asker answers for this long
