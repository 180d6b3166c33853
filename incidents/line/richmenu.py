"""The LINE rich menu: the always-visible menu under the chat, built from one template (TILES).

The same template gives LINE's rich menu object (the tap areas and their actions) and its image (drawn in
Thai with Pillow and a font from Debian's fonts-thai-tlwg), so an area and the picture over it cannot
disagree. What the areas send is what the conversation understands (texts.POSTBACK_*), except where LINE
itself does the job better:
- "send my location" opens LINE's own location picker (the LINE URL scheme `https://line.me/R/nv/location/`):
  the `location` action works only in quick replies, and a URL action works in a rich menu;
- "call 191" is a `tel:` link, so the phone dials without a round trip through ESS.

LINE's limits (Messaging API reference, "Rich menu object" and "Upload rich menu image"): image JPEG or
PNG, 800–2500 px wide, at least 250 px high, width/height ≥ 1.45, at most 1 MB; ≤ 20 areas; chat bar text
≤ 14 characters; postback data ≤ 300 characters.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from PIL import Image, ImageDraw, ImageFont

from incidents.line import texts
from incidents.models import Category

NAME = "ESS Help Me main menu"  # how line_setup recognises the menus it made (and replaces them)
CHAT_BAR_TEXT = "เมนูแจ้งเหตุ"  # under the chat; ≤ 14 characters
WIDTH, HEIGHT = 2500, 1686
COLUMNS, ROWS = 4, 2
MAX_IMAGE_BYTES = 1024 * 1024
LOCATION_URL = "https://line.me/R/nv/location/"

# Colours: the five categories alike, the two urgent ways out stand apart.
CATEGORY_COLOUR = "#1f4e79"
LOCATION_COLOUR = "#1e7b3a"
CALL_COLOUR = "#b3261e"
HELP_COLOUR = "#55595f"
TEXT_COLOUR = "#ffffff"
GAP = 8


@dataclass(frozen=True)
class Tile:
    title: str  # large; "\n" breaks the line (Thai has no spaces to break at)
    subtitle: str  # smaller; the ministry's own words for the category
    colour: str
    action: dict


def _category_tile(category: str, title: str, subtitle: str) -> Tile:
    with translation.override("th"):
        name = str(Category(category).label)
    label = title.replace("\n", "")[:20]
    action = {"type": "postback", "data": texts.POSTBACK_CATEGORY + category, "displayText": name, "label": label}
    return Tile(title, subtitle, CATEGORY_COLOUR, action)


def tiles() -> list[Tile]:
    """The eight areas, left to right and top to bottom (COLUMNS × ROWS). The picture is in Thai, the
    language of the channel; the conversation answers in the reporter's own language."""
    return [
        _category_tile(Category.THREAT, "ถูกข่มขู่\nหรือทำร้าย", "ข่มขู่ว่าจะทำร้าย\nหรือทำร้าย"),
        _category_tile(Category.CONFINEMENT, "ถูกกักขัง", "กักขังหน่วงเหนี่ยว"),
        _category_tile(Category.SEXUAL_ABUSE_RISK, "เสี่ยงถูก\nล่วงละเมิด", "เสี่ยงถูกล่วงละเมิด\nทางเพศ"),
        _category_tile(Category.DERANGED_PERSON, "ผู้คลุ้มคลั่ง", "ผู้คลุ้มคลั่ง\nก่อให้เกิดเหตุร้าย"),
        _category_tile(Category.GANG_GATHERING, "มั่วสุม\nก่อเหตุ", "มั่วสุมจน\nก่อให้เกิดเหตุร้าย"),
        Tile(
            "ส่งตำแหน่ง",
            "ส่งตำแหน่ง\nที่เกิดเหตุ",
            LOCATION_COLOUR,
            {"type": "uri", "uri": LOCATION_URL, "label": "ส่งตำแหน่ง"},
        ),
        Tile("โทร 191", "อันตรายถึงชีวิต\nโทรทันที", CALL_COLOUR, {"type": "uri", "uri": "tel:191", "label": "โทร 191"}),
        Tile(
            "วิธีใช้งาน",
            "แจ้งเหตุกับ ESS\nอย่างไร",
            HELP_COLOUR,
            {"type": "postback", "data": texts.POSTBACK_HOWTO, "displayText": "วิธีใช้งาน", "label": "วิธีใช้งาน"},
        ),
    ]


def _bounds(index: int) -> dict:
    width, height = WIDTH // COLUMNS, HEIGHT // ROWS
    column, row = index % COLUMNS, index // COLUMNS
    # The last column and row take the remainder, so the areas cover the image exactly.
    right = WIDTH if column == COLUMNS - 1 else (column + 1) * width
    bottom = HEIGHT if row == ROWS - 1 else (row + 1) * height
    return {"x": column * width, "y": row * height, "width": right - column * width, "height": bottom - row * height}


def menu() -> dict:
    """LINE's rich menu object (POST /v2/bot/richmenu)."""
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,  # open when the chat opens: a person in danger should not have to find it
        "name": NAME,
        "chatBarText": CHAT_BAR_TEXT,
        "areas": [{"bounds": _bounds(i), "action": tile.action} for i, tile in enumerate(tiles())],
    }


def _font(size: int) -> ImageFont.FreeTypeFont:
    path = Path(settings.LINE_RICH_MENU_FONT)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The rich menu's Thai font {path} is missing: install Debian's fonts-thai-tlwg "
            "(apt-get install fonts-thai-tlwg) or point LINE_RICH_MENU_FONT at a Thai TrueType font."
        )
    # Raqm layout shapes Thai (vowels and tone marks stack over their consonant) when Pillow has it.
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _fitting(draw: ImageDraw.ImageDraw, lines: list[str], size: int, width: int):
    """The largest font up to `size` in which every line fits `width`."""
    while True:
        font = _font(size)
        if size <= 24 or max(draw.textlength(line, font=font) for line in lines) <= width:
            return font, size
        size -= 4


def image() -> bytes:
    """The menu's picture as PNG (well under LINE's 1 MB: flat colours compress to a few tens of kB)."""
    picture = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(picture)
    for index, tile in enumerate(tiles()):
        box = _bounds(index)
        left, top = box["x"] + GAP, box["y"] + GAP
        right, bottom = box["x"] + box["width"] - GAP, box["y"] + box["height"] - GAP
        draw.rounded_rectangle((left, top, right, bottom), radius=36, fill=tile.colour)
        inner = right - left - 80
        title, subtitle = tile.title.split("\n"), tile.subtitle.split("\n")
        title_font, title_size = _fitting(draw, title, 120, inner)
        subtitle_font, subtitle_size = _fitting(draw, subtitle, 64, inner)
        title_line, subtitle_line = title_size * 1.3, subtitle_size * 1.35
        total = len(title) * title_line + 48 + len(subtitle) * subtitle_line
        y = (top + bottom) / 2 - total / 2
        centre = (left + right) / 2
        for line in title:
            draw.text((centre, y + title_line / 2), line, font=title_font, fill=TEXT_COLOUR, anchor="mm")
            y += title_line
        y += 48
        for line in subtitle:
            draw.text((centre, y + subtitle_line / 2), line, font=subtitle_font, fill=TEXT_COLOUR, anchor="mm")
            y += subtitle_line
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"The rich menu image is {len(data)} bytes; LINE takes at most {MAX_IMAGE_BYTES}.")
    return data
