import pytest

from incidents import geo


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร 10330 ประเทศไทย", ("10", "1007")),
        ("ถนนห้วยแก้ว ตำบลสุเทพ อำเภอเมืองเชียงใหม่ เชียงใหม่ 50200 ประเทศไทย", ("50", "5001")),
        ("Huay Kaew Rd, Suthep, Mueang Chiang Mai District, Chiang Mai 50200, Thailand", ("50", "5001")),
        ("ซอยสุขุมวิท 11 แขวงคลองเตยเหนือ เขตวัฒนา กทม.", ("10", "1039")),
    ],
)
def test_it_resolves_province_and_district_from_a_line_address(address, expected):
    assert geo.resolve(None, None, address) == expected


def test_it_resolves_a_bangkok_pin_from_bare_coordinates():
    province, district = geo.resolve(13.7523, 100.54335, "")
    assert province == "10" and geo.district(district).province_code == "10"


def test_it_resolves_a_chiang_mai_pin_from_bare_coordinates():
    assert geo.resolve(18.7883, 98.9853, "") == ("50", "5001")


def test_it_falls_back_to_coordinates_when_the_address_names_nothing_known():
    assert geo.resolve(18.7883, 98.9853, "ร้านกาแฟหน้าบ้าน") == ("50", "5001")


def test_it_resolves_nothing_outside_thailand_and_flags_it():
    assert geo.resolve(35.68, 139.69, "Shibuya, Tokyo 150-0002, Japan") == ("", "")
    assert geo.in_thailand_box(35.68, 139.69) is False
