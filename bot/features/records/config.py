"""Records settings (prefixed `records_` in .env)."""

from pydantic import BaseModel


class Config(BaseModel):
    """What a deployment may tune."""

    records_checkin_before_minutes: int = 30
    records_checkin_after_minutes: int = 120
    records_export_dir: str = ""  # empty: <data_dir>/exports
    records_export_keep_minutes: int = 10  # an export file is removed this long after it was made
    records_chart: bool = True
