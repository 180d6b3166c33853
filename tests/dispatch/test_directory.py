"""The directory: bootstrap for 77 provinces, CSV import/export (all or nothing, errors naming row and
column), bulk staff accounts. Through the management commands, as an administrator runs them."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from dispatch import directory
from dispatch.models import Agency, AgencyArea, AgencyKind, Responder
from ess.models import Role
from incidents import geo

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- bootstrap ---------------------------------------------------------------------------------------


def test_bootstrap_gives_every_province_its_social_development_office_and_police():
    out, _ = run("bootstrap_directory")
    assert "155 agencies created" in out
    for province in geo.provinces():
        kinds = set(Agency.objects.filter(areas__province_code=province.code).values_list("kind", flat=True))
        assert {AgencyKind.PROVINCIAL_MSDHS, AgencyKind.POLICE, AgencyKind.HOTLINE_1300} <= kinds, province
    chiang_mai = Agency.objects.get(code="pmj-50")
    assert chiang_mai.name == "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่"
    assert Agency.objects.get(code="police-50").name == "ตำรวจภูธรจังหวัดเชียงใหม่"
    assert list(chiang_mai.areas.values_list("province_code", "district_code")) == [("50", "")]


def test_bootstrap_covers_bangkok_with_the_metropolitan_police_and_the_ministrys_bangkok_unit():
    run("bootstrap_directory")
    assert Agency.objects.get(code="police-10").name == "กองบัญชาการตำรวจนครบาล"
    bangkok = Agency.objects.get(code="pmj-10")
    assert "จังหวัดกรุงเทพ" not in bangkok.name  # Bangkok has no provincial office
    assert bangkok.kind == AgencyKind.PROVINCIAL_MSDHS  # so the routing rules that need พมจ. find it


def test_bootstrap_adds_the_national_1300_centre_covering_every_province():
    run("bootstrap_directory")
    centre = Agency.objects.get(code="oscc-1300")
    assert centre.phone == "1300"
    assert centre.areas.count() == 77


def test_bootstrap_twice_changes_nothing_and_keeps_imported_details():
    run("bootstrap_directory")
    Agency.objects.filter(code="police-50").update(phone="053-000-000", name="ตำรวจภูธรจังหวัดเชียงใหม่ (ชื่อจริง)")
    before = (Agency.objects.count(), AgencyArea.objects.count())
    out, _ = run("bootstrap_directory")
    assert "0 agencies created, 155 already there, 0 coverage areas added" in out
    assert (Agency.objects.count(), AgencyArea.objects.count()) == before
    assert Agency.objects.get(code="police-50").phone == "053-000-000"


# --- agencies and areas --------------------------------------------------------------------------------

AGENCIES = """code,name,name_en,kind,province_code,latitude,longitude,phone,is_active
cm-police-mueang,สถานีตำรวจภูธรเมืองเชียงใหม่,Mueang Chiang Mai Police Station,police,50,18.7877,98.9931,053-276-040,1
cm-shelter,บ้านพักเด็กและครอบครัวจังหวัดเชียงใหม่,,shelter,50,,,053-222-790,yes
"""


def test_it_imports_agencies_and_a_second_import_changes_nothing(tmp_path):
    path = write(tmp_path, "agencies.csv", AGENCIES)
    out, _ = run("directory", "import", path)
    assert "agencies: 2 created, 0 updated, 0 unchanged" in out
    station = Agency.objects.get(code="cm-police-mueang")
    assert (station.kind, station.latitude, station.phone) == ("police", 18.7877, "053-276-040")
    out, _ = run("directory", "import", path)
    assert "0 created, 0 updated, 2 unchanged" in out


def test_it_updates_an_existing_agency_from_the_file(tmp_path):
    run("bootstrap_directory")
    path = write(
        tmp_path,
        "agencies.csv",
        "code,name,name_en,kind,province_code,latitude,longitude,phone,is_active\n"
        "pmj-50,สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่,,pmj,50,18.83,98.97,053-112-488,1\n",
    )
    out, _ = run("directory", "import", path)
    assert "1 updated" in out
    assert Agency.objects.get(code="pmj-50").phone == "053-112-488"


def test_a_bad_file_names_every_row_and_column_and_imports_nothing(tmp_path):
    path = write(
        tmp_path,
        "agencies.csv",
        "code,name,name_en,kind,province_code,latitude,longitude,phone,is_active\n"
        "ok-one,หน่วยที่ดี,,police,50,,,,1\n"
        "bad kind,หน่วย,,polise,99,200,,,maybe\n"
        "ok-one,ซ้ำ,,police,50,,,,1\n",
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        run("directory", "import", path)
    assert not Agency.objects.exists()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("directory", "import", path, stdout=io.StringIO(), stderr=err)
    errors = err.getvalue()
    for expected in [
        "row 3, column code",
        "row 3, column kind: 'polise'",
        "row 3, column province_code: '99'",
        "row 3, column latitude",
        "row 3, column longitude: give both",
        "row 3, column is_active",
        "row 4, column code: 'ok-one' appears again (first on row 2)",
    ]:
        assert expected in errors, errors


def test_a_file_with_a_missing_column_is_refused_naming_it(tmp_path):
    path = write(tmp_path, "agencies.csv", "code,name,kind,province_code\nx,y,police,50\n")
    with pytest.raises(CommandError):
        call_command("directory", "import", path, "--kind", "agencies", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(directory.DirectoryImportError) as refused:
        directory.import_csv("code,name,kind,province_code\nx,y,police,50\n", "agencies")
    assert "missing column(s) name_en, latitude, longitude, phone, is_active" in refused.value.errors[0]


def test_areas_become_exactly_what_the_file_says_for_the_agencies_it_names(tmp_path):
    run("bootstrap_directory")
    run("directory", "import", write(tmp_path, "agencies.csv", AGENCIES))
    areas = (
        "agency_code,province_code,district_code\ncm-police-mueang,50,5001\ncm-police-mueang,50,5002\npolice-50,50,\n"
    )
    out, _ = run("directory", "import", write(tmp_path, "areas.csv", areas))
    assert "areas: 0 created, 1 updated, 1 unchanged" in out
    station = Agency.objects.get(code="cm-police-mueang")
    assert sorted(station.areas.values_list("district_code", flat=True)) == ["5001", "5002"]
    again = "agency_code,province_code,district_code\ncm-police-mueang,50,5001\n"
    run("directory", "import", write(tmp_path, "areas2.csv", again))
    assert list(station.areas.values_list("district_code", flat=True)) == ["5001"]
    assert Agency.objects.get(code="pmj-50").areas.count() == 1  # not named in the file: untouched


def test_an_area_outside_its_province_or_of_an_unknown_agency_is_refused(tmp_path):
    run("bootstrap_directory")
    areas = "agency_code,province_code,district_code\npolice-50,50,1007\nnobody,50,\n"
    with pytest.raises(directory.DirectoryImportError) as refused:
        directory.import_csv(areas)
    assert refused.value.errors == [
        "row 2, column district_code: '1007' is not a district of province 50",
        "row 3, column agency_code: no agency 'nobody' (import the agencies first)",
    ]
    assert Agency.objects.get(code="police-50").areas.count() == 1


def test_export_then_import_round_trips(tmp_path):
    run("bootstrap_directory")
    run("directory", "import", write(tmp_path, "agencies.csv", AGENCIES))
    run("directory", "export", str(tmp_path / "out"))
    exported = (tmp_path / "out" / "agencies.csv").read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")  # opens as UTF-8 in spreadsheets
    for name in ("agencies.csv", "areas.csv", "responders.csv"):
        out, _ = run("directory", "import", str(tmp_path / "out" / name))
        assert " 0 created, 0 updated" in out, (name, out)


# --- staff -------------------------------------------------------------------------------------------

STAFF = """username,role,first_name,last_name,provinces,agency_code,phone,email
somsri,operator,สมศรี,ใจดี,,,,somsri@example.go.th
prasert,supervisor,ประเสริฐ,มั่นคง,50 57,,081-000-0000,
wira,responder,วีระ,กล้าหาญ,,police-50,,
"""


def test_it_creates_staff_with_roles_provinces_agency_and_random_first_passwords(tmp_path):
    run("bootstrap_directory")
    out, _ = run("import_staff", write(tmp_path, "staff.csv", STAFF))
    assert "staff: 3 created" in out
    User = get_user_model()
    passwords = dict(line.split("\t") for line in out.splitlines() if line.startswith("  "))
    assert set(passwords) == {"  somsri", "  prasert", "  wira"}
    assert len({*passwords.values()}) == 3
    somsri = User.objects.get(username="somsri")
    assert somsri.check_password(passwords["  somsri"])
    assert somsri.staff.role == Role.OPERATOR and somsri.email == "somsri@example.go.th"
    prasert = User.objects.get(username="prasert")
    assert prasert.staff.province_codes == ["50", "57"] and prasert.staff.phone == "081-000-0000"
    assert Responder.objects.get(user__username="wira").agency.code == "police-50"


def test_a_second_import_keeps_the_passwords_and_prints_none(tmp_path):
    run("bootstrap_directory")
    path = write(tmp_path, "staff.csv", STAFF)
    run("import_staff", path)
    before = get_user_model().objects.get(username="somsri").password
    out, _ = run("import_staff", path)
    assert "0 created, 3 updated" in out
    assert "passwords" not in out
    assert get_user_model().objects.get(username="somsri").password == before


def test_bad_staff_rows_are_named_and_nothing_is_created(tmp_path):
    run("bootstrap_directory")
    bad = (
        "username,role,first_name,last_name,provinces,agency_code,phone,email\n"
        "ok,operator,,,,,,\n"
        "x y!,chief,,,,,,\n"
        "sup,supervisor,,,50 999,police-50,,not-an-email\n"
        "resp,responder,,,,,,\n"
    )
    with pytest.raises(directory.DirectoryImportError) as refused:
        directory.import_csv(bad, "staff")
    errors = refused.value.errors
    assert any(e.startswith("row 3, column username") for e in errors)
    assert "row 3, column role: 'chief' is not one of operator, supervisor, responder, admin" in errors
    assert "row 4, column provinces: 999: not DOPA province codes (e.g. 10 50)" in errors
    assert "row 4, column agency_code: only responders belong to an agency" in errors
    assert "row 4, column email: 'not-an-email' is not an e-mail address" in errors
    assert "row 5, column agency_code: a responder needs an agency" in errors
    assert not get_user_model().objects.exists()


def test_responders_file_creates_responder_accounts(tmp_path):
    run("bootstrap_directory")
    responders = "username,first_name,last_name,agency_code,phone,email\nkanda,กานดา,เอื้ออารี,pmj-10,02-000-0000,\n"
    out, _ = run("directory", "import", write(tmp_path, "responders.csv", responders))
    assert "responders: 1 created" in out and "kanda" in out
    assert Responder.objects.get(user__username="kanda").agency.code == "pmj-10"
