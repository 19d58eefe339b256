"""The geoPoint field: `{"lon": x, "lat": y}`, `{0, 0}` meaning unset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bastion.core.fields.field_base import Field, fail, required_error
from bastion.core.fields.field_cast import go_num

GEO_COLUMN = {
    "sqlite": """JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL""",
    "postgres": """JSONB DEFAULT '{"lon":0,"lat":0}'::jsonb NOT NULL""",
}


def _zero() -> dict[str, float]:
    return {"lon": 0.0, "lat": 0.0}


@dataclass(kw_only=True)
class GeoPointField(Field):
    type = "geoPoint"

    def column_sql(self, dialect: str) -> str:
        return GEO_COLUMN[dialect]

    def zero_value(self) -> Any:
        return _zero()

    def normalize(self, raw: Any) -> Any:
        """An object (or its JSON text) with numeric lon/lat; anything malformed is the zero point,
        as PocketBase silently keeps it."""
        if isinstance(raw, bytes | bytearray):
            raw = bytes(raw).decode("utf-8", "replace")
        if isinstance(raw, str):
            if raw == "":
                return _zero()
            try:
                raw = json.loads(raw)
            except ValueError:
                return _zero()
        if not isinstance(raw, dict):
            return _zero()
        point = _zero()
        for key in ("lon", "lat"):
            value = raw.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                return _zero()
            point[key] = float(value)
        return point

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        point = self.normalize(value)
        lat, lon = point["lat"], point["lon"]
        if lat == 0 and lon == 0:
            if self.required:
                raise required_error()
            return
        if lat < -90 or lat > 90:
            raise fail("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.")
        if lon < -180 or lon > 180:
            raise fail("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.")

    def to_db(self, value: Any, dialect: str) -> Any:
        return json.dumps(self.to_api(value), separators=(",", ":"))

    def to_api(self, value: Any) -> Any:
        point = self.normalize(value)
        return {"lon": go_num(point["lon"]), "lat": go_num(point["lat"])}
