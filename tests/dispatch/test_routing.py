import importlib

import pytest
from django.apps import apps as django_apps

from dispatch.models import AgencyKind, RoutingRule
from dispatch.routing import DEFAULT_RULES, reasons, required_kinds
from incidents.models import Category
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

K = AgencyKind


@pytest.mark.parametrize(
    ("category", "flags", "kinds"),
    [
        (Category.THREAT, {}, [K.POLICE]),
        (Category.CONFINEMENT, {}, [K.POLICE]),
        (Category.DERANGED_PERSON, {}, [K.POLICE]),
        (Category.GANG_GATHERING, {}, [K.POLICE]),
        (Category.SEXUAL_ABUSE_RISK, {}, [K.POLICE, K.PROVINCIAL_MSDHS]),
        (Category.THREAT, {"child": True}, [K.POLICE, K.PROVINCIAL_MSDHS]),
        (Category.DERANGED_PERSON, {"elderly": True}, [K.POLICE, K.PROVINCIAL_MSDHS]),
        (Category.GANG_GATHERING, {"disabled": True}, [K.POLICE, K.PROVINCIAL_MSDHS]),
        (Category.THREAT, {"injured": True}, [K.POLICE, K.HOSPITAL_OSCC]),
        (Category.CONFINEMENT, {"child": True}, [K.POLICE, K.PROVINCIAL_MSDHS, K.SHELTER]),
        (Category.SEXUAL_ABUSE_RISK, {"child": True, "injured": True}, [K.POLICE, K.PROVINCIAL_MSDHS, K.HOSPITAL_OSCC]),
        (Category.UNSPECIFIED, {"weapon": True}, [K.POLICE]),
        (Category.UNSPECIFIED, {}, []),
        # A flag set to false is not a flag.
        (Category.THREAT, {"child": False}, [K.POLICE]),
    ],
)
def test_it_routes_from_the_seeded_rules(category, flags, kinds):
    incident = make_incident(category=category)
    incident.flags = flags
    assert required_kinds(incident) == kinds


def test_it_seeds_every_default_rule_by_migration():
    RoutingRule.objects.all().delete()  # (tests/dispatch/conftest.py puts them back for every test)
    migration = importlib.import_module("dispatch.migrations.0004_routing_rules")
    migration.seed_rules(django_apps, None)
    seeded = set(RoutingRule.objects.values_list("category", "flag", "agency_kind"))
    assert seeded == {(str(c), f, str(k)) for c, f, k, _why in DEFAULT_RULES}


def test_it_follows_an_administrators_edit_at_once():
    incident = make_incident(category=Category.DERANGED_PERSON)
    RoutingRule.objects.create(category=Category.DERANGED_PERSON, agency_kind=K.HOSPITAL_OSCC, why="psychiatric")
    assert required_kinds(incident) == [K.POLICE, K.HOSPITAL_OSCC]
    RoutingRule.objects.filter(category=Category.DERANGED_PERSON, agency_kind=K.POLICE).update(is_active=False)
    assert required_kinds(incident) == [K.HOSPITAL_OSCC]


def test_it_says_why_each_kind_is_needed(english):
    incident = make_incident(category=Category.SEXUAL_ABUSE_RISK)
    incident.flags = {"child": True}
    why = reasons(incident)
    assert len(why[K.PROVINCIAL_MSDHS]) == 2
    assert any("Child Protection Act" in w for w in why[K.PROVINCIAL_MSDHS])
