"""Formatting for the dashboard: Buddhist-era dates in Thai, durations in words."""

from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from incidents.references import BUDDHIST_ERA_OFFSET

register = template.Library()


def _thai() -> bool:
    return (get_language() or "th").startswith("th")


@register.filter
def be_date(value: date | datetime | None, with_time: bool = False) -> str:
    """A date as people in Thailand write it: the Buddhist-era year in Thai (28 พ.ย. 2569), AD otherwise."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    day_month = formats.date_format(value, "j M")
    year = value.year + BUDDHIST_ERA_OFFSET if _thai() else value.year
    text = f"{day_month} {year}"
    if with_time and isinstance(value, datetime):
        text += f" {value:%H:%M}"
    return text


@register.filter
def be_datetime(value: datetime | None) -> str:
    return be_date(value, with_time=True)


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds in words: 45 s, 12 min, 1 h 05 min, 2 d 3 h; an em dash when unknown."""
    if not isinstance(seconds, int | float):
        return "—"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def date_input(value: date | None) -> str:
    """A date input's value: day/month/Buddhist-era year in Thai (29/11/2569), ISO for the date picker."""
    if value is None:
        return ""
    if _thai():
        return f"{value.day}/{value.month}/{value.year + BUDDHIST_ERA_OFFSET}"
    return value.isoformat()
