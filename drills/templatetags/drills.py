"""`{% drill_banner %}`: the console's banner while a drill runs (one line in the console's template, no
import from this app there)."""

from django import template

from drills import actions

register = template.Library()


@register.inclusion_tag("drills/banner.html", takes_context=True)
def drill_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"running": actions.running(user) if user is not None else []}


@register.filter
def duration(seconds) -> str:
    """Seconds as m:ss (h:mm:ss from an hour)."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def get(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None
