"""Reference areas (ONS codes) and the name map that joins each source's spellings to them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.errors import UnknownAreaName

ENGLAND_AND_WALES = "K04000001"
DURHAM = "E23000008"
CLEVELAND = "E23000013"


@dataclass(frozen=True)
class AreaSpec:
    """An area a loader or the configuration defines, before it is stored."""

    code: str
    name: str
    area_type: str
    parent_code: str | None = None
    force_code: str | None = None


# ONS Police Force Areas (December 2023): the 43 territorial forces of England & Wales.
POLICE_FORCE_AREAS: dict[str, str] = {
    "E23000001": "Metropolitan Police",
    "E23000002": "Cumbria",
    "E23000003": "Lancashire",
    "E23000004": "Merseyside",
    "E23000005": "Greater Manchester",
    "E23000006": "Cheshire",
    "E23000007": "Northumbria",
    "E23000008": "Durham",
    "E23000009": "North Yorkshire",
    "E23000010": "West Yorkshire",
    "E23000011": "South Yorkshire",
    "E23000012": "Humberside",
    "E23000013": "Cleveland",
    "E23000014": "West Midlands",
    "E23000015": "Staffordshire",
    "E23000016": "West Mercia",
    "E23000017": "Warwickshire",
    "E23000018": "Derbyshire",
    "E23000019": "Nottinghamshire",
    "E23000020": "Lincolnshire",
    "E23000021": "Leicestershire",
    "E23000022": "Northamptonshire",
    "E23000023": "Cambridgeshire",
    "E23000024": "Norfolk",
    "E23000025": "Suffolk",
    "E23000026": "Bedfordshire",
    "E23000027": "Hertfordshire",
    "E23000028": "Essex",
    "E23000029": "Thames Valley",
    "E23000030": "Hampshire",
    "E23000031": "Surrey",
    "E23000032": "Kent",
    "E23000033": "Sussex",
    "E23000034": "London, City of",
    "E23000035": "Devon & Cornwall",
    "E23000036": "Avon and Somerset",
    "E23000037": "Gloucestershire",
    "E23000038": "Wiltshire",
    "E23000039": "Dorset",
    "W15000001": "North Wales",
    "W15000002": "Gwent",
    "W15000003": "South Wales",
    "W15000004": "Dyfed-Powys",
}

# Forces that publish to police.uk but are not territorial forces of England & Wales.
OTHER_FORCES: dict[str, str] = {
    "N23000001": "Northern Ireland (PSNI)",
    "BTP": "British Transport Police",
}

# Spellings the sources use that the normalised ONS name does not already match.
NAME_ALIASES: dict[str, str] = {
    "metropolitan police service": "E23000001",
    "metropolitan and city": "E23000001",  # CPS area; Met includes City of London there
    "city of london": "E23000034",
    "london city of": "E23000034",
    "devon and cornwall": "E23000035",
    "dyfed powys": "W15000004",
    "greatermanchester": "E23000005",
    "police service of northern ireland": "N23000001",
    "northern ireland": "N23000001",
    "british transport": "BTP",
    # Sources that publish the Met and the City of London as one area (PRT "Metropolitan
    # Police", CPS "Metropolitan and City") join to the Met's code; their loaders say so in a note.
    "metropolitan police and city of london": "E23000001",
    "metropolitan and city of london": "E23000001",
}

_SUFFIXES = ("police service", "constabulary", "police")

# The local authorities that make up each force area, as police.uk LSOA names spell them
# ("County Durham 001A" -> "County Durham"). The police.uk outcomes loader uses it to flag
# records whose LSOA lies outside the force that published them. Configuration: a partnership
# adds its own forces here (ONS LSOA 2021 names); forces without an entry are not checked.
FORCE_LOCAL_AUTHORITIES: dict[str, tuple[str, ...]] = {
    "E23000008": ("County Durham", "Darlington"),
    "E23000013": ("Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees"),
}


def normalise_name(name: str) -> str:
    """Fold case, '&', punctuation and force suffixes so spellings compare equal."""
    text = name.strip().lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for suffix in _SUFFIXES:
        if text.endswith(" " + suffix):
            text = text[: -len(suffix) - 1].strip()
            break
    return text


_BY_NAME: dict[str, str] = {
    normalise_name(name): code for code, name in {**POLICE_FORCE_AREAS, **OTHER_FORCES}.items()
}
_BY_NAME.update(NAME_ALIASES)


def force_code(name: str, source: str = "") -> str:
    """The area code for a force name as any source spells it; unknown names raise."""
    code = _BY_NAME.get(normalise_name(name))
    if code is None:
        raise UnknownAreaName(name, source)
    return code


def slug(text: str) -> str:
    """An upper-case code fragment for areas that have no ONS code (courts, HMCTS regions)."""
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")


def region_code(region: str) -> str:
    return f"HMCTS-{slug(region)}"


def crown_court_code(court: str) -> str:
    return f"CC-{slug(court)}"


def reference_areas(lcjp: dict) -> list[AreaSpec]:
    """The areas every install has, plus the configured partnership."""
    areas = [AreaSpec(ENGLAND_AND_WALES, "England and Wales", "national")]
    areas += [AreaSpec(c, n, "police_force_area") for c, n in POLICE_FORCE_AREAS.items()]
    areas += [AreaSpec(c, n, "other_force") for c, n in OTHER_FORCES.items()]
    areas.append(AreaSpec(lcjp["code"], lcjp["name"], "lcjp"))
    return areas
