"""The partnership's organisations: the OPCC, each of its forces (tied to a force area) and partners.

Built from the LCJP configuration, so another partnership gets its own forces by configuration;
`sync_organisations` writes them to the database at start, as `sync_registry` does for areas.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from loaders.areas import POLICE_FORCE_AREAS
from loaders.db import transaction
from loaders.models import Organisation

# What each kind of organisation is; the kind (not the name) decides data rights.
KINDS = {
    "opcc": "Office of the Police and Crime Commissioner",
    "police": "Police force",
    "cps": "Crown Prosecution Service",
    "hmcts": "HM Courts & Tribunals Service",
    "probation": "Probation Service",
    "victim_services": "Victim and witness services",
    "youth_justice": "Youth justice",
    "prisons": "HM Prison Service",
    "other": "Other partner",
}

# Official force names; the ONS area name is used for any force not listed.
FORCE_NAMES = {
    "E23000001": "Metropolitan Police Service",
    "E23000002": "Cumbria Constabulary",
    "E23000003": "Lancashire Constabulary",
    "E23000004": "Merseyside Police",
    "E23000005": "Greater Manchester Police",
    "E23000006": "Cheshire Constabulary",
    "E23000007": "Northumbria Police",
    "E23000008": "Durham Constabulary",
    "E23000009": "North Yorkshire Police",
    "E23000010": "West Yorkshire Police",
    "E23000011": "South Yorkshire Police",
    "E23000012": "Humberside Police",
    "E23000013": "Cleveland Police",
    "E23000014": "West Midlands Police",
    "E23000015": "Staffordshire Police",
    "E23000016": "West Mercia Police",
    "E23000017": "Warwickshire Police",
    "E23000018": "Derbyshire Constabulary",
    "E23000019": "Nottinghamshire Police",
    "E23000020": "Lincolnshire Police",
    "E23000021": "Leicestershire Police",
    "E23000022": "Northamptonshire Police",
    "E23000023": "Cambridgeshire Constabulary",
    "E23000024": "Norfolk Constabulary",
    "E23000025": "Suffolk Constabulary",
    "E23000026": "Bedfordshire Police",
    "E23000027": "Hertfordshire Constabulary",
    "E23000028": "Essex Police",
    "E23000029": "Thames Valley Police",
    "E23000030": "Hampshire and Isle of Wight Constabulary",
    "E23000031": "Surrey Police",
    "E23000032": "Kent Police",
    "E23000033": "Sussex Police",
    "E23000034": "City of London Police",
    "E23000035": "Devon and Cornwall Police",
    "E23000036": "Avon and Somerset Police",
    "E23000037": "Gloucestershire Constabulary",
    "E23000038": "Wiltshire Police",
    "E23000039": "Dorset Police",
    "W15000001": "North Wales Police",
    "W15000002": "Gwent Police",
    "W15000003": "South Wales Police",
    "W15000004": "Dyfed-Powys Police",
}

# Partners every LCJP has; a configuration may replace them with `partner_organisations`.
DEFAULT_PARTNERS = (
    ("cps", "Crown Prosecution Service", "cps"),
    ("hmcts", "HM Courts & Tribunals Service", "hmcts"),
    ("probation", "Probation Service", "probation"),
    ("victim-services", "Victim and witness services", "victim_services"),
    ("youth-justice", "Youth justice service", "youth_justice"),
    ("prisons", "HM Prison Service", "prisons"),
)


@dataclass(frozen=True)
class OrganisationSpec:
    """An organisation before it is stored; `force_area_code` only for police forces."""

    code: str
    name: str
    kind: str
    force_area_code: str | None = None


def force_organisation_code(force_area_code: str) -> str:
    """'police-durham' for E23000008: short enough to type in `flask users create`."""
    name = POLICE_FORCE_AREAS.get(force_area_code, force_area_code)
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"police-{slug}"


def partnership_organisations(lcjp: dict) -> list[OrganisationSpec]:
    """The OPCC, one organisation per configured force, then the partners."""
    organisations = [OrganisationSpec("opcc", lcjp.get("opcc_name", KINDS["opcc"]), "opcc")]
    for code in lcjp["forces"]:
        name = FORCE_NAMES.get(code) or f"{POLICE_FORCE_AREAS.get(code, code)} Police"
        organisations.append(OrganisationSpec(force_organisation_code(code), name, "police", code))
    for code, name, kind in lcjp.get("partner_organisations", DEFAULT_PARTNERS):
        if kind not in KINDS or kind in {"opcc", "police"}:
            raise ValueError(
                f"partner organisation {code}: kind must be a partner kind, not {kind}"
            )
        organisations.append(OrganisationSpec(code, name, kind))
    return organisations


def sync_organisations(session_factory: sessionmaker, lcjp: dict) -> None:
    """Write the configured organisations; ones dropped from configuration stay for their users."""
    with transaction(session_factory) as session:
        for spec in partnership_organisations(lcjp):
            row = session.get(Organisation, spec.code) or Organisation(code=spec.code)
            row.name, row.kind, row.force_area_code = spec.name, spec.kind, spec.force_area_code
            session.add(row)
