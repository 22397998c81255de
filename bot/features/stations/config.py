"""Station settings (prefixed `stations_` in .env)."""

from pydantic import BaseModel


class Config(BaseModel):
    """What a deployment may tune."""

    # On a first start with no stations, load the package's data/sample_stations.csv (fictional).
    stations_import_sample: bool = True
    stations_max_km: float = 50
