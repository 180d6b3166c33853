"""Thai administrative areas, from geothai (DOPA codes, Thai and English names). Never hand-typed."""

import difflib
import re
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


# --- Resolving a LINE pin to a province and district (docs/design.md §4) --------------------------------

_POSTAL_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_LEVEL_PREFIXES = ("amphoe", "khet", "changwat", "mueang")
# Spellings people and LINE use that are not the official names.
_PROVINCE_ALIASES = {"กทม": "10", "กรุงเทพ": "10", "bangkok": "10", "krungthep": "10"}


def _compact(text: str) -> str:
    return re.sub(r"[\s.,\-'’()/]", "", (text or "").lower())


@lru_cache(maxsize=1)
def _province_names() -> list[tuple[str, str]]:
    """(compacted name, code), longest first, so "Phra Nakhon Si Ayutthaya" wins over shorter names."""
    names = [(geothai.normalize(n), p.code) for p in provinces() for n in (p.name_th, p.name_en)]
    names += list(_PROVINCE_ALIASES.items())
    return sorted({(n, c) for n, c in names if n}, key=lambda item: -len(item[0]))


@lru_cache(maxsize=80)
def _district_names(province_code: str) -> list[tuple[str, str]]:
    names = [(geothai.normalize(n), d.code) for d in districts(province_code) for n in (d.name_th, d.name_en)]
    return sorted({(n, c) for n, c in names if n}, key=lambda item: -len(item[0]))


_DISTRICT_BEFORE = ("เขต", "อำเภอ", "อ", "khet", "amphoe")
_DISTRICT_AFTER = ("district",)


def _district_in(text: str, province_code: str) -> str:
    """A district named in the text. Names marked as a district ("เขตวัฒนา", "Mueang … District") win
    over bare ones, so a subdistrict that contains a district's name (แขวงคลองเตยเหนือ) is not taken
    for that district (คลองเตย)."""
    names = _district_names(province_code)
    for name, code in names:
        if any(m + name in text for m in _DISTRICT_BEFORE) or any(name + m in text for m in _DISTRICT_AFTER):
            return code
    for name, code in names:
        if name in text:
            return code
    return ""


def _named_in(area, text: str) -> bool:
    return any(name and name in text for name in (geothai.normalize(area.name_th), geothai.normalize(area.name_en)))


def _from_address(address: str) -> tuple[str, str]:
    text = _compact(address)
    if not text:
        return "", ""
    mentioned = [code for name, code in _province_names() if name in text]
    postal = _POSTAL_CODE.findall(address)
    if postal:
        areas = geothai.by_postal_code(postal[-1])
        candidates = sorted({s.province_code for s in areas})
        named = [c for c in mentioned if c in candidates]
        province_code = named[0] if named else (candidates[0] if len(candidates) == 1 else "")
        if province_code:
            local = [s for s in areas if s.province_code == province_code]
            district_code = _district_in(text, province_code)
            if not district_code:
                in_text = [s for s in local if _named_in(s, text)]
                codes = {s.district_code for s in (in_text or local)}
                district_code = codes.pop() if len(codes) == 1 else ""
            return province_code, district_code
    if mentioned:
        return mentioned[0], _district_in(text, mentioned[0])
    return "", ""


def _from_coordinates(latitude: float, longitude: float) -> tuple[str, str]:
    """The nearest GeoNames place (shipped offline with reverse_geocode), mapped to DOPA codes."""
    import reverse_geocode  # loads its data on first use; most pins carry an address and never get here

    place = reverse_geocode.get((latitude, longitude))
    if not place or place.get("country_code") != "TH":
        return "", ""
    state = geothai.normalize(place.get("state") or place.get("city") or "")
    province_code = next((code for name, code in _province_names() if name == state), "")
    if not province_code:
        return "", ""
    county = geothai.normalize(place.get("county") or "")
    for prefix in _LEVEL_PREFIXES[:3]:
        county = county.removeprefix(prefix)
    names = dict(_district_names(province_code))
    district_code = names.get(county, "")
    if not district_code and county:
        close = difflib.get_close_matches(county, list(names), n=1, cutoff=0.85)
        district_code = names[close[0]] if close else ""
    return province_code, district_code


def resolve(latitude: float | None, longitude: float | None, address: str = "") -> tuple[str, str]:
    """(province_code, district_code) of a pin: from its address (postal code, names) first, then from
    the coordinates; ("", "") when neither says (e.g. outside Thailand). The raw values are not changed."""
    province_code, district_code = _from_address(address)
    if not province_code and latitude is not None and longitude is not None:
        province_code, district_code = _from_coordinates(latitude, longitude)
    elif province_code and not district_code and latitude is not None and longitude is not None:
        near_province, near_district = _from_coordinates(latitude, longitude)
        if near_province == province_code:
            district_code = near_district
    return province_code, district_code
