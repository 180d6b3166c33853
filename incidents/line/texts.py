"""What the bot says to citizens, in Thai and English.

These are explicit per-language tables, not gettext: the reporter's language comes from their LINE
profile, not from a browser, and the Thai is written for citizens in distress (short, plain).
Quick-reply labels are at most 20 characters (LINE's limit); postback data starts with "ess:".
"""

from incidents.models import Category

TH, EN = "th", "en"

# The five categories as the ministry names them (docs/design.md §1), and a short label for the button.
CATEGORY_NAMES = {
    TH: {
        Category.THREAT: "ข่มขู่ว่าจะทำร้ายหรือทำร้าย",
        Category.CONFINEMENT: "กักขังหน่วงเหนี่ยว",
        Category.SEXUAL_ABUSE_RISK: "เสี่ยงถูกล่วงละเมิดทางเพศ",
        Category.DERANGED_PERSON: "ผู้คลุ้มคลั่งก่อให้เกิดเหตุร้าย",
        Category.GANG_GATHERING: "มั่วสุมจนก่อให้เกิดเหตุร้าย",
    },
    EN: {
        Category.THREAT: "Threatened with harm, or being harmed",
        Category.CONFINEMENT: "Held or confined against one's will",
        Category.SEXUAL_ABUSE_RISK: "At risk of sexual abuse",
        Category.DERANGED_PERSON: "A person in a frenzy causing harm",
        Category.GANG_GATHERING: "A gathering (gang, drugs) causing harm",
    },
}
CATEGORY_LABELS = {
    TH: {
        Category.THREAT: "ถูกข่มขู่/ทำร้าย",
        Category.CONFINEMENT: "ถูกกักขัง",
        Category.SEXUAL_ABUSE_RISK: "เสี่ยงถูกล่วงละเมิด",
        Category.DERANGED_PERSON: "ผู้คลุ้มคลั่ง",
        Category.GANG_GATHERING: "มั่วสุมก่อเหตุ",
    },
    EN: {
        Category.THREAT: "Threat / harm",
        Category.CONFINEMENT: "Held / confined",
        Category.SEXUAL_ABUSE_RISK: "Sexual abuse risk",
        Category.DERANGED_PERSON: "Person in frenzy",
        Category.GANG_GATHERING: "Gang / gathering",
    },
}
REPORTABLE = list(CATEGORY_NAMES[TH])

TEXTS = {
    TH: {
        "welcome": (
            "สวัสดีค่ะ ที่นี่ ESS Help Me ศูนย์รับแจ้งเหตุฉุกเฉินทางสังคม 24 ชั่วโมง "
            "ของกระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์ (พม.)\n\n"
            "เรารับแจ้งเหตุเร่งด่วน 5 ประเภท:\n{categories}\n\n"
            "อันตรายถึงชีวิต โทร 191 ทันที · เจ็บป่วยฉุกเฉิน โทร 1669 · ปัญหาสังคมอื่น ๆ โทร 1300\n"
            "การแจ้งความเท็จเป็นความผิดตามกฎหมาย\n\n"
            "เริ่มแจ้งเหตุ: เลือกประเภทด้านล่าง หรือส่งตำแหน่งของคุณมาได้เลย"
        ),
        "choose_category": "เกิดอะไรขึ้นคะ เลือกประเภทด้านล่าง หรือกด “ส่งตำแหน่ง” ได้เลยถ้าพิมพ์ไม่สะดวก",
        "other": (
            "ESS รับเฉพาะเหตุเร่งด่วน 5 ประเภทค่ะ สำหรับเรื่องอื่น:\n"
            "• อันตรายถึงชีวิต/อาชญากรรม โทร 191\n• เจ็บป่วยฉุกเฉิน โทร 1669\n"
            "• ปัญหาสังคมอื่น ๆ ศูนย์ช่วยเหลือสังคม โทร 1300"
        ),
        "ask_location": ("ขอตำแหน่งที่เกิดเหตุค่ะ กดปุ่ม “ส่งตำแหน่ง” ด้านล่าง แล้วเลื่อนหมุดไปที่จุดเกิดเหตุ กด “แชร์”"),
        "created": (
            "รับแจ้งแล้วค่ะ เลขที่เรื่อง {reference}\nเจ้าหน้าที่ศูนย์ได้รับเรื่องแล้ว และจะติดต่อกลับในแชตนี้ ถ้ามีอันตรายถึงชีวิตตอนนี้ โทร 191"
        ),
        "ask_category_after_pin": "ถ้าสะดวก บอกเราหน่อยค่ะว่าเกิดอะไรขึ้น (เลือกด้านล่าง)",
        "ask_details": ("ถ้าสะดวก พิมพ์รายละเอียดเพิ่ม หรือส่งรูปถ่ายได้ค่ะ (ใครอยู่ในอันตราย มีอาวุธไหม) หรือกด “ข้าม”"),
        "category_set": "บันทึกประเภทเหตุแล้วค่ะ ({reference})",
        "detail_added": "ได้รับแล้วค่ะ เพิ่มในเรื่อง {reference} แล้ว ส่งเพิ่มได้อีก หรือกด “เสร็จแล้ว”",
        "details_done": "ขอบคุณค่ะ เจ้าหน้าที่จะติดต่อกลับในแชตนี้ ({reference})",
        "location_added": "ได้รับตำแหน่งใหม่แล้วค่ะ เพิ่มในเรื่อง {reference} แล้ว",
        "unsupported": "ได้รับแล้วค่ะ แต่ข้อความหรือรูปถ่ายช่วยเจ้าหน้าที่ได้มากที่สุด",
        "confirm_cancel": "ต้องการยกเลิกเรื่อง {reference} ใช่ไหมคะ",
        "cancelled": "ยกเลิกเรื่อง {reference} แล้วค่ะ ถ้ามีเหตุอีก แจ้งมาได้ตลอด 24 ชั่วโมง",
        "not_cancelled": "ไม่ยกเลิกค่ะ เรื่อง {reference} ยังดำเนินการอยู่",
        "cannot_cancel": "เรื่อง {reference} อยู่ระหว่างการช่วยเหลือ ยกเลิกทางแชตไม่ได้ค่ะ เจ้าหน้าที่จะติดต่อกลับ",
        "status": "เรื่อง {reference}: {status}",
        "no_case": "ตอนนี้คุณไม่มีเรื่องที่เปิดอยู่ค่ะ",
        "neutral_notice": "มีข้อความใหม่ถึงคุณค่ะ เปิดแชตเมื่อสะดวกและปลอดภัย",
        # Quick-reply labels (≤ 20 characters).
        "btn_location": "ส่งตำแหน่ง",
        "btn_other": "เรื่องอื่น ๆ",
        "btn_skip": "ข้าม",
        "btn_done": "เสร็จแล้ว",
        "btn_camera": "ถ่ายรูป",
        "btn_photos": "เลือกรูป",
        "btn_yes_cancel": "ใช่ ยกเลิก",
        "btn_no_cancel": "ไม่ยกเลิก",
    },
    EN: {
        "welcome": (
            "Hello, this is ESS Help Me, the 24-hour social emergency service of the Ministry of Social "
            "Development and Human Security.\n\n"
            "We take urgent reports of five kinds:\n{categories}\n\n"
            "If a life is in danger call 191 now · medical emergencies 1669 · other social problems 1300.\n"
            "A false report is an offence under the law.\n\n"
            "To start: choose what is happening below, or just send your location."
        ),
        "choose_category": "What is happening? Choose below, or tap “Send location” if typing is hard.",
        "other": (
            "ESS takes only the five kinds of urgent case. For anything else:\n"
            "• danger to life or a crime: call 191\n• a medical emergency: call 1669\n"
            "• other social problems: the 1300 hotline"
        ),
        "ask_location": (
            "Where is it happening? Tap “Send location” below, move the pin to the place, then tap “Share”."
        ),
        "created": (
            "Report received. Your reference is {reference}.\n"
            "Our operators have it and will answer you in this chat. If a life is in danger now, call 191."
        ),
        "ask_category_after_pin": "If you can, tell us what is happening (choose below).",
        "ask_details": (
            "If you can, type more details or send a photo (who is in danger, any weapon?), or tap “Skip”."
        ),
        "category_set": "Got it, we noted what is happening ({reference}).",
        "detail_added": "Received and added to {reference}. Send more, or tap “Done”.",
        "details_done": "Thank you. An operator will answer you in this chat ({reference}).",
        "location_added": "New location received and added to {reference}.",
        "unsupported": "Received, thank you. Text or a photo helps our operators most.",
        "confirm_cancel": "Do you want to cancel {reference}?",
        "cancelled": "{reference} is cancelled. If anything happens, write to us any time, day or night.",
        "not_cancelled": "Not cancelled: {reference} is still open.",
        "cannot_cancel": "Help is already on the way for {reference}; it cannot be cancelled here. "
        "An operator will contact you.",
        "status": "{reference}: {status}",
        "no_case": "You have no open report right now.",
        "neutral_notice": "You have a new message. Open the chat when it is safe.",
        "btn_location": "Send location",
        "btn_other": "Something else",
        "btn_skip": "Skip",
        "btn_done": "Done",
        "btn_camera": "Take photo",
        "btn_photos": "Choose photo",
        "btn_yes_cancel": "Yes, cancel",
        "btn_no_cancel": "No, keep it",
    },
}

# What the reporter sees as their case's status: plain words, not the console's vocabulary.
STATUS_WORDS = {
    TH: {
        "new": "ได้รับเรื่องแล้ว รอเจ้าหน้าที่ตรวจสอบ",
        "triaged": "เจ้าหน้าที่ตรวจสอบแล้ว กำลังประสานความช่วยเหลือ",
        "dispatched": "ส่งเรื่องให้หน่วยช่วยเหลือแล้ว",
        "acknowledged": "หน่วยช่วยเหลือรับเรื่องแล้ว",
        "en_route": "เจ้าหน้าที่กำลังเดินทางไป",
        "on_scene": "เจ้าหน้าที่ถึงที่เกิดเหตุแล้ว",
        "resolved": "ช่วยเหลือเรียบร้อยแล้ว",
        "closed": "ปิดเรื่องแล้ว",
        "duplicate": "รวมกับเรื่องที่แจ้งไว้แล้ว",
        "false_report": "ปิดเรื่องแล้ว",
        "referred": "ส่งต่อหน่วยงานที่เกี่ยวข้องแล้ว",
        "cancelled": "ยกเลิกแล้ว",
    },
    EN: {
        "new": "received, waiting for an operator",
        "triaged": "checked by an operator; help is being arranged",
        "dispatched": "passed to a response team",
        "acknowledged": "the response team has it",
        "en_route": "help is on the way",
        "on_scene": "help has arrived",
        "resolved": "resolved",
        "closed": "closed",
        "duplicate": "merged with an earlier report",
        "false_report": "closed",
        "referred": "referred to the right service",
        "cancelled": "cancelled",
    },
}

CANCEL_WORDS = {"ยกเลิก", "cancel"}
STATUS_WORDS_IN = {"สถานะ", "status"}

POSTBACK_CATEGORY = "ess:category="
POSTBACK_OTHER = "ess:other"
POSTBACK_DETAILS_DONE = "ess:details=done"
POSTBACK_CANCEL_YES = "ess:cancel=yes"
POSTBACK_CANCEL_NO = "ess:cancel=no"
# The "how to use ESS" cards. Also the data of the rich menu's "how to use" area (incidents.line's
# rich-menu set-up sends it; keep the two the same).
POSTBACK_HOWTO = "ess:howto"


def lang(language: str) -> str:
    return EN if (language or "").lower().startswith("en") else TH


def say(language: str, key: str, **values) -> str:
    return TEXTS[lang(language)][key].format(**values)


def category_name(language: str, category: str) -> str:
    return CATEGORY_NAMES[lang(language)].get(category, "")


def status_words(language: str, status: str) -> str:
    return STATUS_WORDS[lang(language)].get(status, status)


def categories_list(language: str) -> str:
    names = CATEGORY_NAMES[lang(language)]
    return "\n".join(f"{i}. {names[c]}" for i, c in enumerate(REPORTABLE, start=1))


# --- LINE message objects ---------------------------------------------------------------------------


def text(body: str, quick_reply: list[dict] | None = None) -> dict:
    message: dict = {"type": "text", "text": body[:5000]}
    if quick_reply:
        message["quickReply"] = {"items": quick_reply[:13]}
    return message


def _postback(label: str, data: str, display: str) -> dict:
    return {
        "type": "action",
        "action": {"type": "postback", "label": label[:20], "data": data, "displayText": display[:300]},
    }


def location_button(language: str) -> dict:
    return {"type": "action", "action": {"type": "location", "label": say(language, "btn_location")[:20]}}


def category_buttons(language: str, *, with_location: bool) -> list[dict]:
    code = lang(language)
    items = [_postback(CATEGORY_LABELS[code][c], POSTBACK_CATEGORY + c, CATEGORY_NAMES[code][c]) for c in REPORTABLE]
    items.append(_postback(say(language, "btn_other"), POSTBACK_OTHER, say(language, "btn_other")))
    if with_location:
        items.append(location_button(language))
    return items


def details_buttons(language: str, *, first: bool) -> list[dict]:
    label = say(language, "btn_skip" if first else "btn_done")
    return [
        {"type": "action", "action": {"type": "camera", "label": say(language, "btn_camera")[:20]}},
        {"type": "action", "action": {"type": "cameraRoll", "label": say(language, "btn_photos")[:20]}},
        location_button(language),
        _postback(label, POSTBACK_DETAILS_DONE, label),
    ]


def cancel_buttons(language: str) -> list[dict]:
    return [
        _postback(say(language, "btn_yes_cancel"), POSTBACK_CANCEL_YES, say(language, "btn_yes_cancel")),
        _postback(say(language, "btn_no_cancel"), POSTBACK_CANCEL_NO, say(language, "btn_no_cancel")),
    ]
