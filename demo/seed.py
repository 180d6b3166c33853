"""Demo data: agencies in five provinces, one account per role, and cases in every status.

Everything goes through the same domain functions the console uses, so the timeline of a demo case
reads like a real one. Idempotent: running it again changes nothing that is already there.
"""

import random
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from dispatch.models import Agency, AgencyArea, AgencyKind, Assignment, AssignmentStatus, Responder
from dispatch.routing import ensure_default_rules
from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import actions
from incidents.models import Category, Hotline, Incident, Language, Reporter, Status

# (code, name, kind, province, lat, lng, phone, districts covered (empty: whole province))
AGENCIES = [
    (
        "bkk-police-pathumwan",
        "สถานีตำรวจนครบาลปทุมวัน",
        AgencyKind.POLICE,
        "10",
        13.7441,
        100.5300,
        "02-252-4254",
        ["1007"],
    ),
    ("bkk-police-bangsue", "สถานีตำรวจนครบาลบางซื่อ", AgencyKind.POLICE, "10", 13.8093, 100.5370, "02-587-0284", ["1029"]),
    ("bkk-191", "ศูนย์รับแจ้งเหตุ 191 กองบัญชาการตำรวจนครบาล", AgencyKind.POLICE, "10", 13.7563, 100.5018, "191", []),
    (
        "bkk-pmj",
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์ กรุงเทพมหานคร",
        AgencyKind.PROVINCIAL_MSDHS,
        "10",
        13.7650,
        100.5380,
        "02-354-3388",
        [],
    ),
    ("oscc-1300", "ศูนย์ช่วยเหลือสังคม สายด่วน 1300", AgencyKind.HOTLINE_1300, "10", 13.7590, 100.5330, "1300", []),
    ("bkk-shelter", "บ้านพักเด็กและครอบครัวกรุงเทพมหานคร", AgencyKind.SHELTER, "10", 13.7950, 100.5140, "02-282-0570", []),
    (
        "bkk-hospital-oscc",
        "ศูนย์พึ่งได้ โรงพยาบาลราชวิถี",
        AgencyKind.HOSPITAL_OSCC,
        "10",
        13.7660,
        100.5370,
        "02-354-8108",
        [],
    ),
    ("cm-police-mueang", "สถานีตำรวจภูธรเมืองเชียงใหม่", AgencyKind.POLICE, "50", 18.7877, 98.9931, "053-276-040", ["5001"]),
    (
        "cm-pmj",
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่",
        AgencyKind.PROVINCIAL_MSDHS,
        "50",
        18.8380,
        98.9700,
        "053-112-488",
        [],
    ),
    ("cm-shelter", "บ้านพักเด็กและครอบครัวจังหวัดเชียงใหม่", AgencyKind.SHELTER, "50", 18.8000, 98.9500, "053-222-790", []),
    ("kk-police-mueang", "สถานีตำรวจภูธรเมืองขอนแก่น", AgencyKind.POLICE, "40", 16.4322, 102.8236, "043-221-162", ["4001"]),
    (
        "kk-pmj",
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดขอนแก่น",
        AgencyKind.PROVINCIAL_MSDHS,
        "40",
        16.4419,
        102.8360,
        "043-236-425",
        [],
    ),
    ("sk-police-hatyai", "สถานีตำรวจภูธรหาดใหญ่", AgencyKind.POLICE, "90", 7.0086, 100.4747, "074-243-021", ["9011"]),
    (
        "sk-pmj",
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดสงขลา",
        AgencyKind.PROVINCIAL_MSDHS,
        "90",
        7.1898,
        100.5951,
        "074-311-540",
        [],
    ),
    (
        "sk-hospital-oscc",
        "ศูนย์พึ่งได้ โรงพยาบาลหาดใหญ่",
        AgencyKind.HOSPITAL_OSCC,
        "90",
        7.0000,
        100.4700,
        "074-273-100",
        [],
    ),
    ("cb-police-mueang", "สถานีตำรวจภูธรเมืองชลบุรี", AgencyKind.POLICE, "20", 13.3611, 100.9847, "038-282-262", ["2001"]),
    ("cb-police-sriracha", "สถานีตำรวจภูธรศรีราชา", AgencyKind.POLICE, "20", 13.1737, 100.9310, "038-311-111", ["2007"]),
    (
        "cb-pmj",
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดชลบุรี",
        AgencyKind.PROVINCIAL_MSDHS,
        "20",
        13.3700,
        100.9900,
        "038-276-444",
        [],
    ),
]

# (username, role, provinces, agency, first, last). Passwords are random, made when an account is created
# and printed that once (seed_accounts); nobody can guess a demo account's password.
ACCOUNTS = [
    ("operator", Role.OPERATOR, [], None, "สมศรี", "ใจดี"),
    ("supervisor", Role.SUPERVISOR, [], None, "ประเสริฐ", "มั่นคง"),
    ("supervisor_cm", Role.SUPERVISOR, ["50"], None, "อรุณี", "เชียงคำ"),
    ("responder", Role.RESPONDER, [], "bkk-police-pathumwan", "ร.ต.ท.วีระ", "กล้าหาญ"),
    ("responder_pmj", Role.RESPONDER, [], "bkk-pmj", "กานดา", "เอื้ออารี"),
    ("admin", Role.ADMIN, [], None, "ผู้ดูแล", "ระบบ"),
]
UNCHANGED = "(unchanged)"


def demo_password() -> str:
    return secrets.token_urlsafe(12)


# (province, district, lat, lng, address)
PLACES = [
    ("10", "1007", 13.7466, 100.5347, "ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร 10330"),
    ("10", "1029", 13.8027, 100.5383, "ซอยประชาราษฎร์บำเพ็ญ แขวงบางซื่อ เขตบางซื่อ กรุงเทพมหานคร 10800"),
    ("10", "1039", 13.7370, 100.5700, "ซอยสุขุมวิท 39 แขวงคลองตันเหนือ เขตวัฒนา กรุงเทพมหานคร 10110"),
    ("50", "5001", 18.7960, 98.9680, "ถนนนิมมานเหมินท์ ตำบลสุเทพ อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่ 50200"),
    ("50", "5001", 18.7883, 99.0010, "ถนนท่าแพ ตำบลช้างคลาน อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่ 50100"),
    ("40", "4001", 16.4285, 102.8380, "ถนนศรีจันทร์ ตำบลในเมือง อำเภอเมืองขอนแก่น จังหวัดขอนแก่น 40000"),
    ("90", "9011", 7.0060, 100.4690, "ถนนนิพัทธ์อุทิศ 3 ตำบลหาดใหญ่ อำเภอหาดใหญ่ จังหวัดสงขลา 90110"),
    ("20", "2007", 13.1690, 100.9290, "ถนนสุขุมวิท ตำบลศรีราชา อำเภอศรีราชา จังหวัดชลบุรี 20110"),
    ("20", "2001", 13.3620, 100.9810, "ถนนวชิรปราการ ตำบลบางปลาสร้อย อำเภอเมืองชลบุรี จังหวัดชลบุรี 20000"),
]

STORIES = {
    Category.THREAT: [
        "สามีเมาสุราและขู่ว่าจะทำร้ายภรรยา มีมีดอยู่ในมือ ผู้แจ้งหลบอยู่ในห้องน้ำ",
        "เพื่อนบ้านได้ยินเสียงทะเลาะและเสียงเด็กร้องไห้ดังมาจากห้องข้าง ๆ",
    ],
    Category.CONFINEMENT: [
        "ถูกนายจ้างยึดโทรศัพท์และขังไว้ในห้องพักหลังร้าน ไม่ให้ออกไปไหน",
        "ลูกสาวอายุ 15 ปีถูกแฟนพาไปกักไว้ที่ห้องเช่า ติดต่อไม่ได้สองวันแล้ว",
    ],
    Category.SEXUAL_ABUSE_RISK: [
        "มีชายแปลกหน้าตามเด็กนักเรียนหญิงจากป้ายรถเมล์มาถึงหน้าหอพัก",
        "ผู้แจ้งถูกผู้ชายในที่ทำงานส่งข้อความคุกคามและรออยู่หน้าบ้าน",
    ],
    Category.DERANGED_PERSON: [
        "ชายคลุ้มคลั่งถือไม้ไล่ตีคนในตลาด คาดว่าใช้ยาเสพติด",
        "ญาติมีอาการทางจิตกำเริบ ทำลายข้าวของในบ้าน ผู้สูงอายุอยู่ในบ้านด้วย",
    ],
    Category.GANG_GATHERING: [
        "วัยรุ่นประมาณ 20 คนรวมกลุ่มดื่มสุราและมีเสียงคล้ายปืนดังหลายนัด",
        "กลุ่มคนมั่วสุมเสพยาในบ้านร้าง เด็กในชุมชนเดินผ่านทุกวัน",
    ],
    Category.UNSPECIFIED: ["ผู้แจ้งส่งตำแหน่งมาอย่างเดียว ยังไม่ได้พิมพ์รายละเอียด"],
}

# Each status the demo shows, with the path a case takes to reach it (after "new").
PATHS = {
    Status.NEW: [],
    Status.TRIAGED: [Status.TRIAGED],
    Status.DISPATCHED: [Status.TRIAGED, Status.DISPATCHED],
    Status.ACKNOWLEDGED: [Status.TRIAGED, Status.DISPATCHED, Status.ACKNOWLEDGED],
    Status.EN_ROUTE: [Status.TRIAGED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.EN_ROUTE],
    Status.ON_SCENE: [Status.TRIAGED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.EN_ROUTE, Status.ON_SCENE],
    Status.RESOLVED: [
        Status.TRIAGED,
        Status.DISPATCHED,
        Status.ACKNOWLEDGED,
        Status.EN_ROUTE,
        Status.ON_SCENE,
        Status.RESOLVED,
    ],
    Status.CLOSED: [
        Status.TRIAGED,
        Status.DISPATCHED,
        Status.ACKNOWLEDGED,
        Status.EN_ROUTE,
        Status.ON_SCENE,
        Status.RESOLVED,
        Status.CLOSED,
    ],
    Status.DUPLICATE: [Status.DUPLICATE],
    Status.FALSE_REPORT: [Status.TRIAGED, Status.FALSE_REPORT],
    Status.REFERRED: [Status.REFERRED],
    Status.CANCELLED: [Status.CANCELLED],
}
# How many demo cases of each status; open ones dominate, as on a real shift.
COUNTS = {
    Status.NEW: 6,
    Status.TRIAGED: 4,
    Status.DISPATCHED: 3,
    Status.ACKNOWLEDGED: 2,
    Status.EN_ROUTE: 2,
    Status.ON_SCENE: 2,
    Status.RESOLVED: 3,
    Status.CLOSED: 6,
    Status.DUPLICATE: 1,
    Status.FALSE_REPORT: 2,
    Status.REFERRED: 2,
    Status.CANCELLED: 1,
}

DEMO_USER_PREFIX = "Udemo"


def seed_agencies() -> int:
    for code, name, kind, province, lat, lng, phone, districts in AGENCIES:
        agency, _ = Agency.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "province_code": province,
                "latitude": lat,
                "longitude": lng,
                "phone": phone,
                "is_national": kind == AgencyKind.HOTLINE_1300,
            },
        )
        # The national 1300 centre takes cases from every province.
        if kind == AgencyKind.HOTLINE_1300:
            from incidents import geo

            areas = [(p.code, "") for p in geo.provinces()]
        else:
            areas = [(province, d) for d in districts] or [(province, "")]
        for p, d in areas:
            AgencyArea.objects.get_or_create(agency=agency, province_code=p, district_code=d)
    return len(AGENCIES)


def seed_accounts(password: str | None = None) -> list[tuple[str, str, str]]:
    """The demo's staff accounts as (username, password, role). A new account gets `password` or else a
    random one; an account that already exists keeps its password and is listed as UNCHANGED."""
    printed = []
    existing = set(get_user_model().objects.values_list("username", flat=True))
    for username, role, provinces, agency, first, last in ACCOUNTS:
        new = username not in existing
        chosen = (password or demo_password()) if new else None
        ensure_staff(
            username,
            role=role,
            password=chosen,
            provinces=provinces,
            agency_code=agency,
            first_name=first,
            last_name=last,
            # The demo's operator and national supervisor work on every province.
            national=role in (Role.OPERATOR, Role.SUPERVISOR) and not provinces,
        )
        printed.append((username, chosen or UNCHANGED, role))
    Responder.objects.filter(user__username__in=["responder", "responder_pmj"]).update(
        on_duty=True, last_latitude=13.7450, last_longitude=100.5320, last_position_at=timezone.now()
    )
    return printed


def seed_incidents(rng: random.Random | None = None) -> int:
    if Reporter.objects.filter(line_user_id__startswith=DEMO_USER_PREFIX).exists():
        return 0
    rng = rng or random.Random(2569)
    now = timezone.now()
    categories = [c for c in Category.values if c != Category.UNSPECIFIED]
    created = 0
    masters: list[Incident] = []
    for status, count in COUNTS.items():
        for _ in range(count):
            created += 1
            province, district, lat, lng, address = rng.choice(PLACES)
            category = Category.UNSPECIFIED if status == Status.NEW and created % 3 == 0 else rng.choice(categories)
            reporter = Reporter.objects.create(
                line_user_id=f"{DEMO_USER_PREFIX}{created:028d}",
                display_name=rng.choice(["น้องฟ้า", "Somchai", "แม่มะลิ", "ต้น", "Nok 🌸", "ป้าแดง"]),
                language=Language.ENGLISH if created % 9 == 0 else Language.THAI,
                safe_contact_only=created % 11 == 0,
            )
            open_case = status in PATHS and status not in (
                Status.RESOLVED,
                Status.CLOSED,
                Status.DUPLICATE,
                Status.FALSE_REPORT,
                Status.REFERRED,
                Status.CANCELLED,
            )
            age = timedelta(minutes=rng.randint(2, 90)) if open_case else timedelta(hours=rng.randint(3, 24 * 25))
            received = now - age
            incident = actions.do_create_incident(
                reporter=reporter,
                category=category,
                priority=rng.choice([1, 2, 2, 3]),
                latitude=lat + rng.uniform(-0.01, 0.01),
                longitude=lng + rng.uniform(-0.01, 0.01),
                address=address,
                province_code=province,
                district_code=district,
                description=rng.choice(STORIES[category]),
                received_at=received,
                source="demo",
            )
            at = received
            for step in PATHS[status]:
                at = at + timedelta(minutes=rng.randint(1, 12))
                extra = {}
                if step == Status.DUPLICATE and masters:
                    extra = {"duplicate_of": masters[0]}
                elif step == Status.REFERRED:
                    extra = {"referred_to": rng.choice([Hotline.POLICE_191, Hotline.SOCIAL_1300])}
                elif step == Status.CLOSED:
                    extra = {"outcome": "ผู้ประสบเหตุปลอดภัย ส่งต่อ พมจ. ติดตามเยี่ยมบ้าน"}
                elif step == Status.FALSE_REPORT:
                    Reporter.objects.filter(pk=reporter.pk).update(false_report_count=1)
                if step == Status.DISPATCHED:
                    _assign(incident, province, at)
                actions.do_transition(incident, step, extra_fields=extra, at=min(at, now), data={"source": "demo"})
            if status in (Status.TRIAGED, Status.DISPATCHED):
                masters.append(incident)
            _follow_assignment(incident, status, at)
    return created


def _assign(incident: Incident, province: str, at) -> None:
    agency = Agency.objects.filter(province_code=province, kind=AgencyKind.POLICE).first()
    if agency is not None:
        Assignment.objects.create(incident=incident, agency=agency, assigned_at=at, responder=agency.responders.first())


def _follow_assignment(incident: Incident, status: str, at) -> None:
    mapping = {
        Status.ACKNOWLEDGED: AssignmentStatus.ACKNOWLEDGED,
        Status.EN_ROUTE: AssignmentStatus.EN_ROUTE,
        Status.ON_SCENE: AssignmentStatus.ON_SCENE,
        Status.RESOLVED: AssignmentStatus.COMPLETED,
        Status.CLOSED: AssignmentStatus.COMPLETED,
    }
    if status in mapping:
        incident.assignments.update(status=mapping[status], acknowledged_at=at)


@transaction.atomic
def seed_demo(password: str | None = None) -> dict:
    return {
        # Seeded by the migration; put back here in case the database was flushed since.
        "routing_rules": ensure_default_rules(),
        "agencies": seed_agencies(),
        "accounts": seed_accounts(password),
        "incidents": seed_incidents(),
    }
