"""Branch settings (prefixed `branch_` in .env)."""

from pydantic import BaseModel


class Config(BaseModel):
    """What a deployment may tune."""

    # Newcomers joining within one window get one welcome message at its end (at most one per window per group).
    branch_welcome_window_minutes: int = 3
    branch_welcome_max_mentions: int = 10  # more newcomers in one window are counted, not @-mentioned
