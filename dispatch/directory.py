"""The directory of agencies, the areas they cover and their responders: a bootstrap for all 77
provinces, and CSV import/export for the real contact details (`manage.py bootstrap_directory`,
`manage.py directory`, `manage.py import_staff`; docs/deployment.md).

Imports are all or nothing: every row is checked first, every problem is reported naming its row (as a
spreadsheet numbers it: the header is row 1) and column, and nothing is written unless every row is
right. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from dispatch.models import Agency, AgencyArea, AgencyKind, Responder
from dispatch.staff import StaffError, ensure_staff
from ess.models import Role, StaffProfile
from incidents import geo

BANGKOK = "10"
NATIONAL_1300 = "oscc-1300"


class DirectoryImportError(ValueError):
    """The file was refused; `errors` lists every problem, nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


# --- The bootstrap: two agencies per province and the national 1300 centre ------------------------------


@dataclass(frozen=True)
class Seed:
    code: str
    name: str
    name_en: str
    kind: str
    province_code: str
    phone: str = ""
    covers: tuple[str, ...] = ()  # provinces covered whole; empty: its own province
    national: bool = False  # takes cases from every province (Agency.is_national)


def seeds() -> list[Seed]:
    """What the bootstrap creates: per province its social development office (พมจ.) and provincial
    police; Bangkok, which has neither, its Metropolitan Police Bureau and — for the พมจ.'s protection
    duties — the ministry's Bangkok children and families shelter; and the national 1300 centre."""
    rows = []
    for province in sorted(geo.provinces(), key=lambda p: p.code):
        code, th, en = province.code, province.name_th, province.name_en
        if code == BANGKOK:
            rows.append(
                Seed(
                    f"pmj-{code}",
                    "บ้านพักเด็กและครอบครัวกรุงเทพมหานคร (ทำหน้าที่ พมจ. ในกรุงเทพมหานคร)",
                    "Bangkok Children and Family Shelter (the ministry's protection unit for Bangkok)",
                    AgencyKind.PROVINCIAL_MSDHS,
                    code,
                )
            )
            rows.append(
                Seed(
                    f"police-{code}",
                    "กองบัญชาการตำรวจนครบาล",
                    "Metropolitan Police Bureau",
                    AgencyKind.POLICE,
                    code,
                    phone="191",
                )
            )
            continue
        rows.append(
            Seed(
                f"pmj-{code}",
                f"สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด{th}",
                f"{en} Provincial Office of Social Development and Human Security",
                AgencyKind.PROVINCIAL_MSDHS,
                code,
            )
        )
        rows.append(Seed(f"police-{code}", f"ตำรวจภูธรจังหวัด{th}", f"{en} Provincial Police", AgencyKind.POLICE, code))
    every_province = tuple(sorted(p.code for p in geo.provinces()))
    rows.append(
        Seed(
            NATIONAL_1300,
            "ศูนย์ช่วยเหลือสังคม สายด่วน 1300",
            "1300 Social Assistance Centre (national)",
            AgencyKind.HOTLINE_1300,
            BANGKOK,
            phone="1300",
            covers=every_province,
            national=True,
        )
    )
    return rows


@dataclass
class BootstrapResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    areas_added: int = 0


@transaction.atomic
def bootstrap() -> BootstrapResult:
    """Create what is missing; never change an agency that exists (its details may be real ones an
    administrator imported), only add a missing coverage area. Running it twice changes nothing."""
    result = BootstrapResult()
    for seed in seeds():
        agency, created = Agency.objects.get_or_create(
            code=seed.code,
            defaults={
                "name": seed.name,
                "name_en": seed.name_en,
                "kind": seed.kind,
                "province_code": seed.province_code,
                "phone": seed.phone,
                "is_national": seed.national,
            },
        )
        (result.created if created else result.existing).append(seed.code)
        for province_code in seed.covers or (seed.province_code,):
            _, added = AgencyArea.objects.get_or_create(agency=agency, province_code=province_code, district_code="")
            result.areas_added += added
    return result


# --- CSV ---------------------------------------------------------------------------------------------

AGENCY_COLUMNS = ["code", "name", "name_en", "kind", "province_code", "latitude", "longitude", "phone", "is_active"]
AREA_COLUMNS = ["agency_code", "province_code", "district_code"]
RESPONDER_COLUMNS = ["username", "first_name", "last_name", "agency_code", "phone", "email"]
STAFF_COLUMNS = ["username", "role", "first_name", "last_name", "provinces", "agency_code", "phone", "email"]
KINDS = {"agencies": AGENCY_COLUMNS, "areas": AREA_COLUMNS, "responders": RESPONDER_COLUMNS, "staff": STAFF_COLUMNS}
_TRUE, _FALSE = {"1", "true", "yes", "y", "ใช่"}, {"0", "false", "no", "n", "ไม่"}


def _write(columns: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def export_agencies() -> str:
    return _write(
        AGENCY_COLUMNS,
        (
            [
                a.code,
                a.name,
                a.name_en,
                a.kind,
                a.province_code,
                _num(a.latitude),
                _num(a.longitude),
                a.phone,
                int(a.is_active),
            ]
            for a in Agency.objects.order_by("code")
        ),
    )


def export_areas() -> str:
    areas = AgencyArea.objects.select_related("agency").order_by("agency__code", "province_code", "district_code")
    return _write(AREA_COLUMNS, ([a.agency.code, a.province_code, a.district_code] for a in areas))


def export_responders() -> str:
    responders = Responder.objects.select_related("user", "agency", "user__staff").order_by("user__username")
    return _write(
        RESPONDER_COLUMNS,
        (
            [
                r.user.username,
                r.user.first_name,
                r.user.last_name,
                r.agency.code,
                getattr(getattr(r.user, "staff", None), "phone", ""),
                r.user.email,
            ]
            for r in responders
        ),
    )


EXPORTS = {"agencies": export_agencies, "areas": export_areas, "responders": export_responders}


def _num(value) -> str:
    return "" if value is None else repr(value)


def read(text: str, kind: str | None = None) -> tuple[str, list[tuple[int, dict]]]:
    """The kind of file (from its header when not given) and its rows as (row number, {column: value})."""
    text = text.removeprefix("\ufeff")  # a spreadsheet's "CSV UTF-8" starts with a byte order mark
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if kind is None:
        kind = next((k for k, columns in KINDS.items() if set(columns) <= set(header)), None)
        if kind is None:
            raise DirectoryImportError(
                [
                    f"row 1: the header {header} is none of: "
                    + "; ".join(f"{k}: {', '.join(c)}" for k, c in KINDS.items())
                ]
            )
    missing = [c for c in KINDS[kind] if c not in header]
    if missing:
        raise DirectoryImportError(
            [f"row 1: missing column(s) {', '.join(missing)} (a {kind} file has {', '.join(KINDS[kind])})"]
        )
    reader.fieldnames = header
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise DirectoryImportError([f"row {number}: more values than columns"])
        values = {k: (v or "").strip() for k, v in row.items()}
        if any(values.values()):
            rows.append((number, values))
    return kind, rows


class _Problems:
    def __init__(self):
        self.errors: list[str] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(f"row {row}, column {column}: {message}")

    def raise_if_any(self) -> None:
        if self.errors:
            raise DirectoryImportError(self.errors)


def _float(problems: _Problems, row: int, column: str, raw: str, low: float, high: float) -> float | None:
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        problems.add(row, column, f"{raw!r} is not a number")
        return None
    if not low <= value <= high:
        problems.add(row, column, f"{value} is outside {low}…{high}")
    return value


def _bool(problems: _Problems, row: int, column: str, raw: str, default: bool) -> bool:
    if raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    problems.add(row, column, f"{raw!r} is not yes/no (1/0)")
    return default


def _duplicates(problems: _Problems, rows, column: str, key) -> None:
    seen: dict = {}
    for number, values in rows:
        k = key(values)
        if k in seen:
            problems.add(number, column, f"{values[column]!r} appears again (first on row {seen[k]})")
        else:
            seen[k] = number


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    passwords: dict[str, str] = field(default_factory=dict)  # new accounts' first passwords (show once)


def import_csv(text: str, kind: str | None = None) -> ImportResult:
    kind, rows = read(text, kind)
    return {
        "agencies": _import_agencies,
        "areas": _import_areas,
        "responders": _import_responders,
        "staff": _import_staff,
    }[kind](rows)


def _import_agencies(rows) -> ImportResult:
    problems = _Problems()
    kinds = set(AgencyKind.values)
    _duplicates(problems, rows, "code", lambda v: v["code"])
    parsed = []
    for number, v in rows:
        if not v["code"] or not all(c.isalnum() or c in "-_" for c in v["code"]) or len(v["code"]) > 40:
            problems.add(number, "code", f"{v['code']!r}: letters, digits, - and _ only, at most 40")
        if not v["name"]:
            problems.add(number, "name", "must not be empty")
        elif len(v["name"]) > 200:
            problems.add(number, "name", "at most 200 characters")
        if len(v["name_en"]) > 200:
            problems.add(number, "name_en", "at most 200 characters")
        if v["kind"] not in kinds:
            problems.add(number, "kind", f"{v['kind']!r} is not one of {', '.join(sorted(kinds))}")
        if not geo.is_province(v["province_code"]):
            problems.add(number, "province_code", f"{v['province_code']!r} is not a DOPA province code (e.g. 10, 50)")
        latitude = _float(problems, number, "latitude", v["latitude"], -90, 90)
        longitude = _float(problems, number, "longitude", v["longitude"], -180, 180)
        if (latitude is None) != (longitude is None):
            problems.add(number, "longitude" if longitude is None else "latitude", "give both coordinates or neither")
        if len(v["phone"]) > 32:
            problems.add(number, "phone", "at most 32 characters")
        active = _bool(problems, number, "is_active", v["is_active"], True)
        fields = {
            "name": v["name"],
            "name_en": v["name_en"],
            "kind": v["kind"],
            "province_code": v["province_code"],
            "latitude": latitude,
            "longitude": longitude,
            "phone": v["phone"],
            "is_active": active,
        }
        parsed.append((v["code"], fields))
    problems.raise_if_any()
    result = ImportResult("agencies")
    with transaction.atomic():
        for code, fields in parsed:
            agency = Agency.objects.filter(code=code).first()
            if agency is None:
                Agency.objects.create(code=code, **fields)
                result.created += 1
            elif any(getattr(agency, k) != value for k, value in fields.items()):
                for k, value in fields.items():
                    setattr(agency, k, value)
                agency.save(update_fields=list(fields))
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def _import_areas(rows) -> ImportResult:
    """The file is the whole coverage of every agency it names: their areas become exactly its rows."""
    problems = _Problems()
    agencies = {a.code: a for a in Agency.objects.filter(code__in={v["agency_code"] for _, v in rows})}
    _duplicates(problems, rows, "district_code", lambda v: (v["agency_code"], v["province_code"], v["district_code"]))
    wanted: dict[str, set[tuple[str, str]]] = {}
    for number, v in rows:
        if v["agency_code"] not in agencies:
            problems.add(number, "agency_code", f"no agency {v['agency_code']!r} (import the agencies first)")
        if not geo.is_province(v["province_code"]):
            problems.add(number, "province_code", f"{v['province_code']!r} is not a DOPA province code")
        elif v["district_code"]:
            district = geo.district(v["district_code"])
            if district is None or not v["district_code"].startswith(v["province_code"]):
                problems.add(
                    number,
                    "district_code",
                    f"{v['district_code']!r} is not a district of province {v['province_code']}",
                )
        wanted.setdefault(v["agency_code"], set()).add((v["province_code"], v["district_code"]))
    problems.raise_if_any()
    result = ImportResult("areas")
    with transaction.atomic():
        for code, areas in wanted.items():
            agency = agencies[code]
            current = set(agency.areas.values_list("province_code", "district_code"))
            for province_code, district_code in current - areas:
                agency.areas.filter(province_code=province_code, district_code=district_code).delete()
            for province_code, district_code in areas - current:
                AgencyArea.objects.create(agency=agency, province_code=province_code, district_code=district_code)
            if current == areas:
                result.unchanged += 1
            else:
                result.updated += 1
    return result


def _import_responders(rows) -> ImportResult:
    rows = [(n, {**v, "role": Role.RESPONDER, "provinces": ""}) for n, v in rows]
    result = _import_staff(rows)
    result.kind = "responders"
    return result


def _import_staff(rows) -> ImportResult:
    """Create or update accounts. A new account gets a random first password (in the result, to show
    once); an existing account keeps its password."""
    problems = _Problems()
    _duplicates(problems, rows, "username", lambda v: v["username"].lower())
    agencies = set(Agency.objects.filter(code__in={v["agency_code"] for _, v in rows}).values_list("code", flat=True))
    User = get_user_model()
    parsed = []
    for number, v in rows:
        username = v["username"]
        try:
            User._meta.get_field("username").run_validators(username)
            if not username:
                raise StaffError("must not be empty")
        except Exception as exc:
            message = "; ".join(getattr(exc, "messages", [str(exc)]))
            problems.add(number, "username", f"{username!r}: {message}")
        role = v["role"]
        if role not in Role.values:
            problems.add(number, "role", f"{role!r} is not one of {', '.join(Role.values)}")
        provinces = [p for p in v["provinces"].replace(",", " ").replace(";", " ").split() if p]
        national = [p.lower() for p in provinces] == ["national"]
        if national:
            provinces = []
            if role == Role.RESPONDER:
                problems.add(number, "provinces", "a responder's reach is their agency's; leave it empty")
        unknown = [p for p in provinces if not geo.is_province(p)]
        if unknown:
            problems.add(number, "provinces", f"{', '.join(unknown)}: not DOPA province codes (e.g. 10 50)")
        agency = v["agency_code"]
        if agency and agency not in agencies:
            problems.add(number, "agency_code", f"no agency {agency!r}")
        if role == Role.RESPONDER and not agency:
            problems.add(number, "agency_code", "a responder needs an agency")
        if role in Role.values and role != Role.RESPONDER and agency:
            problems.add(number, "agency_code", "only responders belong to an agency")
        if role == Role.RESPONDER and provinces:
            problems.add(number, "provinces", "a responder's reach is their agency's; leave it empty")
        if v.get("email") and "@" not in v["email"]:
            problems.add(number, "email", f"{v['email']!r} is not an e-mail address")
        if len(v.get("phone", "")) > 32:
            problems.add(number, "phone", "at most 32 characters")
        parsed.append((number, v, role, provinces, agency, national))
    problems.raise_if_any()
    result = ImportResult("staff")
    existing = set(
        User.objects.filter(username__in=[v["username"] for _, v, *_ in parsed]).values_list("username", flat=True)
    )
    with transaction.atomic():
        for number, v, role, provinces, agency, national in parsed:
            password = None if v["username"] in existing else secrets.token_urlsafe(12)
            try:
                outcome = ensure_staff(
                    v["username"],
                    role=role,
                    password=password,
                    provinces=provinces,
                    agency_code=agency or None,
                    first_name=v["first_name"],
                    last_name=v["last_name"],
                    national=national,
                )
            except StaffError as exc:  # checked above; a race with another admin ends here
                raise DirectoryImportError([f"row {number}: {exc}"]) from exc
            user = outcome.user
            if v.get("email") and user.email != v["email"]:
                user.email = v["email"]
                user.save(update_fields=["email"])
            StaffProfile.objects.filter(user=user).exclude(phone=v.get("phone", "")).update(phone=v.get("phone", ""))
            if outcome.created:
                result.created += 1
                result.passwords[user.username] = password
            else:
                result.updated += 1
    return result


def summary(result: ImportResult) -> list[str]:
    lines = [f"{result.kind}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."]
    if result.passwords:
        lines.append("First passwords of the new accounts (shown only now; hand each over privately):")
        lines += [f"  {username}\t{password}" for username, password in result.passwords.items()]
    return lines
