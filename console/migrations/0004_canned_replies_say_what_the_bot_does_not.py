"""The default canned replies, reworded (#15 item 11): none repeats what the bot already sends by itself
(the report's receipt, "passed to staff in your area", "staff are on their way to the scene", the intake's
question about details and weapons), and none assumes the reporter is the person in danger ("to your
location"): a neighbour reporting for someone else reads them too. Only a reply still as it was shipped is
changed; one an administrator edited is left alone."""

from django.db import migrations

# title, text_th, text_en: as shipped (dispatch 0005), then as now.
CHANGES = [
    (
        (
            "รับเรื่องแล้ว / Received",
            "เจ้าหน้าที่ ESS ได้รับเรื่องของท่านแล้ว และกำลังประสานหน่วยงานในพื้นที่ให้ความช่วยเหลือ",
            "ESS has received your report and is contacting help near you.",
        ),
        (
            "ปลอดภัยไหม / Are you safe?",
            "เจ้าหน้าที่ ESS อ่านข้อความของท่านแล้ว ตอนนี้ท่านและผู้ที่ท่านแจ้งถึงปลอดภัยไหม ตอบสั้น ๆ ได้เลย",
            "An ESS operator has read your messages. Are you, and the person you told us about, safe right now? "
            "A short answer is enough.",
        ),
    ),
    (
        (
            "ขอตำแหน่งอีกครั้ง / Location again",
            'กรุณาแชร์ตำแหน่งปัจจุบันของท่านอีกครั้ง โดยกดปุ่ม + แล้วเลือก "ตำแหน่งที่ตั้ง"',
            'Please share your current location again: tap + and choose "Location".',
        ),
        (
            "ขอตำแหน่งอีกครั้ง / Location again",
            'ตำแหน่งที่ได้รับอาจไม่ตรงจุด กรุณาส่งตำแหน่งของที่เกิดเหตุอีกครั้ง โดยกด + แล้วเลือก "ตำแหน่งที่ตั้ง" '
            "ถ้าท่านไม่ได้อยู่ที่นั่น พิมพ์ชื่อสถานที่แทนได้",
            'The pin we have may not be exact. Please send the location of the incident again: tap + and choose '
            '"Location". If you are not there, type the name of the place instead.',
        ),
    ),
    (
        (
            "ขอรายละเอียด / More details",
            "กรุณาเล่ารายละเอียดเพิ่มเติม เช่น มีกี่คน มีอาวุธหรือไม่ มีเด็กหรือผู้สูงอายุอยู่ด้วยหรือไม่",
            "Please tell us more: how many people, any weapons, any children or elderly people there?",
        ),
        (
            "ขอรายละเอียด / More details",
            "ขอถามเพิ่มเติม: ที่นั่นมีกี่คน มีใครบาดเจ็บไหม มีเด็กหรือผู้สูงอายุอยู่ด้วยหรือไม่",
            "A few questions: how many people are there, is anyone hurt, are there children or older people?",
        ),
    ),
    (
        (
            "อยู่ในที่ปลอดภัย / Stay safe",
            "หากทำได้ ขอให้ท่านไปอยู่ในที่ปลอดภัยและปิดเสียงโทรศัพท์ เจ้าหน้าที่จะติดต่อกลับทางแชตนี้",
            "If you can, move somewhere safe and silence your phone. We will answer in this chat.",
        ),
        (
            "อยู่ในที่ปลอดภัย / Stay safe",
            "หากทำได้ ขอให้ท่านไปอยู่ในที่ปลอดภัยและปิดเสียงโทรศัพท์ไว้",
            "If you can, move somewhere safe and keep your phone silent.",
        ),
    ),
    (
        (
            "เจ้าหน้าที่กำลังไป / Help on the way",
            "เจ้าหน้าที่กำลังเดินทางไปยังตำแหน่งของท่าน หากสถานการณ์เปลี่ยนแปลงกรุณาแจ้งทางแชตนี้",
            "Help is on the way to your location. Tell us in this chat if anything changes.",
        ),
        (
            "จุดสังเกต / Landmarks",
            "เพื่อให้เจ้าหน้าที่หาที่เกิดเหตุได้เร็ว กรุณาบอกจุดสังเกต เช่น ชื่ออาคาร ชั้น เลขห้อง หรือสีประตูรั้ว "
            "ถ้ามีอะไรเปลี่ยนไป บอกเราในแชตนี้",
            "So that staff find the place quickly, tell us landmarks there: the building's name, the floor, the "
            "room number or the colour of the gate. Tell us here if anything changes.",
        ),
    ),
]


def reword(apps, schema_editor, *, forward=True):
    CannedReply = apps.get_model("console", "CannedReply")
    for old, new in CHANGES:
        before, after = (old, new) if forward else (new, old)
        CannedReply.objects.filter(title=before[0], text_th=before[1], text_en=before[2]).update(
            title=after[0], text_th=after[1], text_en=after[2]
        )


def back(apps, schema_editor):
    reword(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("console", "0003_search_trigram_indexes")]

    operations = [migrations.RunPython(reword, back)]
