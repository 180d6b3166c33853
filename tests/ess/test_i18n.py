"""Thai first, English available: the compiled catalogue is in place and used."""

from django.utils import translation

from incidents.models import Category


def test_it_speaks_the_ministrys_words_in_thai():
    with translation.override("th"):
        assert str(Category.THREAT.label) == "ข่มขู่ว่าจะทำร้ายหรือทำร้าย"
        assert str(Category.GANG_GATHERING.label) == "มั่วสุมจนก่อให้เกิดเหตุร้าย"
    with translation.override("en"):
        assert str(Category.THREAT.label) == "Threatened with harm, or being harmed"


def test_it_serves_the_login_page_in_thai_by_default_and_english_on_request(client, db):
    assert "เข้าสู่ระบบเจ้าหน้าที่" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Staff login" in client.get("/accounts/login/").content.decode()


def test_it_stays_thai_when_the_browser_asks_for_english(client, db):
    # Call-centre PCs are often set up in English; operators still get Thai unless they switch.
    response = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert "เข้าสู่ระบบเจ้าหน้าที่" in response.content.decode()
