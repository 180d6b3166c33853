"""Which kinds of agency a case needs, from the routing rules an administrator keeps in the admin.

The defaults are seeded by the migration `0004_routing_rules` from `DEFAULT_RULES` below; changing a rule
in the admin changes routing at once (nothing is cached).
"""

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from dispatch.models import AgencyKind, RoutingRule
from incidents.models import Category, Incident

# Triage flags that routing understands (the console sets them in Incident.flags as {"child": true, …}).
FLAGS = {
    "child": _("A child is involved"),
    "elderly": _("An elderly person is involved"),
    "disabled": _("A person with a disability is involved"),
    "weapon": _("A weapon is involved"),
    "ongoing": _("Still happening"),
    "injured": _("Someone is injured"),
}

C, K = Category, AgencyKind
# (category or "", flag or "", agency kind, why). Read by the data migration; edit rules in the admin.
# The "why" is stored in English and shown in the operator's language (#15 item 11): the defaults are in
# the catalogue; a reason an administrator wrote in the admin is shown as written.
DEFAULT_RULES = [
    (C.THREAT, "", K.POLICE, gettext_noop("Violence or a threat of it: only the police can stop it and arrest.")),
    (
        C.CONFINEMENT,
        "",
        K.POLICE,
        gettext_noop("Unlawful detention is a crime; the police can enter and free the person."),
    ),
    (
        C.DERANGED_PERSON,
        "",
        K.POLICE,
        gettext_noop("A person in a frenzy causing harm must be restrained safely by police."),
    ),
    (C.GANG_GATHERING, "", K.POLICE, gettext_noop("A gathering causing harm (gangs, drugs) is a police matter.")),
    (C.SEXUAL_ABUSE_RISK, "", K.POLICE, gettext_noop("Stop the abuser: a police matter.")),
    (
        C.SEXUAL_ABUSE_RISK,
        "",
        K.PROVINCIAL_MSDHS,
        gettext_noop(
            "Protect the victim: the provincial social development office (พมจ.) takes on victims' protection."
        ),
    ),
    ("", "child", K.PROVINCIAL_MSDHS, gettext_noop("Child Protection Act: พมจ. is the child's protection officer.")),
    ("", "elderly", K.PROVINCIAL_MSDHS, gettext_noop("Elderly Persons Act: พมจ. protects elderly people at risk.")),
    ("", "disabled", K.PROVINCIAL_MSDHS, gettext_noop("Persons with Disabilities Act: พมจ. protects disabled people.")),
    ("", "weapon", K.POLICE, gettext_noop("A weapon is involved, whatever the category: police.")),
    (
        "",
        "injured",
        K.HOSPITAL_OSCC,
        gettext_noop(
            "An injured victim of violence goes to the hospital crisis centre (ศูนย์พึ่งได้): treatment, evidence."
        ),
    ),
    (
        C.CONFINEMENT,
        "child",
        K.SHELTER,
        gettext_noop("A child freed from confinement needs a safe place to stay: the children and families shelter."),
    ),
]


def matching_rules(incident: Incident) -> list[RoutingRule]:
    flags = incident.flags if isinstance(incident.flags, dict) else {}
    rules = RoutingRule.objects.filter(is_active=True)
    return [rule for rule in rules if rule.matches(incident.category, flags)]


def required_kinds(incident: Incident) -> list[str]:
    """The agency kinds the case needs, police first, in AgencyKind's order; empty when no rule matches
    (e.g. a case whose category is not known yet: the operator picks by hand)."""
    kinds = {rule.agency_kind for rule in matching_rules(incident)}
    return [kind for kind in AgencyKind.values if kind in kinds]


def reasons(incident: Incident) -> dict[str, list[str]]:
    """For each required kind, why the rules ask for it (shown in the dispatch panel)."""
    out: dict[str, list[str]] = {}
    for rule in matching_rules(incident):
        out.setdefault(rule.agency_kind, []).append(gettext(rule.why) if rule.why else str(rule))
    return out


def ensure_default_rules() -> int:
    """Create any default rule that is missing (never touching edited ones); returns how many it created.
    The migration seeds them once; this puts them back after a test database was flushed."""
    created = 0
    for category, flag, kind, why in DEFAULT_RULES:
        _, new = RoutingRule.objects.get_or_create(
            category=category, flag=flag, agency_kind=kind, defaults={"why": why}
        )
        created += new
    return created
