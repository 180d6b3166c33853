"""Thai administrative areas, from geothai (DOPA codes, Thai and English names). Never hand-typed."""

from functools import lru_cache

import geothai
from django.utils.translation import get_language

# A generous box around Thailand's land and sea borders: a pin outside it is flagged, never refused.
THAILAND_BOUNDS = (5.5, 97.3, 20.5, 105.7)  # south, west, north, east


def in_thailand_box(latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return True
    south, west, north, east = THAILAND_BOUNDS
    return south <= latitude <= north and west <= longitude <= east


@lru_cache(maxsize=1)
def provinces() -> tuple[geothai.Province, ...]:
    return tuple(geothai.provinces())


def province(code: str | None) -> geothai.Province | None:
    return geothai.province(code) if code else None


def district(code: str | None) -> geothai.District | None:
    return geothai.district(code) if code else None


def is_province(code: str | None) -> bool:
    return province(code) is not None


def districts(province_code: str) -> list[geothai.District]:
    return geothai.districts(province_code)


def _localised(area) -> str:
    if area is None:
        return ""
    return area.name_en if (get_language() or "th").startswith("en") else area.name_th


def province_name(code: str | None) -> str:
    return _localised(province(code))


def district_name(code: str | None) -> str:
    return _localised(district(code))


def province_choices() -> list[tuple[str, str]]:
    return [(p.code, _localised(p)) for p in sorted(provinces(), key=lambda p: p.name_th)]
