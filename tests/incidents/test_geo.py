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


@pytest.mark.parametrize(
    ("words", "answer", "expected"),
    [
        ("ช่วยด้วย ถูกขังอยู่ในห้อง ส่งตำแหน่งไม่ได้ อยู่หอพักแถว ม.เชียงใหม่", False, ("50", "")),
        ("อยู่ อ.ฝาง", False, ("50", "5009")),  # a marked district names its province too
        ("จ.เลย อ.เมือง", False, ("42", "4201")),
        ("เขตบางรัก กทม", False, ("10", "1004")),
        ("I am in Chiang Mai near the university", False, ("50", "")),
        ("หาดใหญ่", True, ("90", "9011")),  # answering "where are you?": a bare district name counts
        ("บ้านเลขที่ 5 ตำบลสุเทพ 50200", False, ("50", "5001")),
    ],
)
def test_it_reads_a_province_and_district_from_a_reporters_words(words, answer, expected):
    assert geo.resolve_words(words, answer=answer) == expected


@pytest.mark.parametrize(
    "words",
    [
        "ได้เลยค่ะ ช่วยด้วย",  # เลย (Loei) is an everyday word
        "ตากผ้าอยู่ แล้วเขาตีฉัน",  # ตาก (Tak): "to dry"
        "สองพี่น้องทะเลาะกัน",  # สองพี่น้อง (a district): "two siblings"
        "หาดใหญ่",  # a bare district name in words that do not answer "where?"
        "take me home",  # Tak, in English, is a whole word only
    ],
)
def test_it_reads_no_place_from_everyday_words(words):
    assert geo.resolve_words(words) == ("", "")
