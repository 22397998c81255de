"""Station settings (prefixed `stations_` in .env)."""

from pydantic import BaseModel


class Config(BaseModel):
    """What a deployment may tune."""

    stations_import_sample: bool = True  # on a first start with no stations, load data/stations/sample_stations.csv
    stations_max_km: float = 50
