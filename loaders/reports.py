"""The seven recurring reports: who each is for, how often, and which measures go in it.

A report's audience decides what its pack may contain: the Police and Crime Panel meets in public,
so its pack holds only figures that may be published; partnership boards see partnership figures;
only the OPCC's own Executive Board sees force-restricted ones. The generating user's own rights
narrow this further (callbacks/packs.py), so a pack never holds more than its reader could open.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.measures import MEASURES

BOARD_SUBGROUPS = (
    "effectiveness-efficiency",
    "victim-witness",
    "reducing-reoffending",
    "female-offender",
)


@dataclass(frozen=True)
class ReportSection:
    """One part of a report: a subgroup's measures, or only its headline measures."""

    subgroup: str
    headline_only: bool = False


@dataclass(frozen=True)
class ReportSpec:
    id: str
    title: str
    cadence: str  # monthly or quarterly: the period the pack reports on
    meeting: str  # the body that receives it
    audience: str  # said on the cover, so readers know what the pack may hold
    classifications: frozenset[str]
    sections: tuple[ReportSection, ...]
    # A public meeting: a figure goes in only if its dataset may be published (sharing register).
    public: bool = False

    def measure_ids(self) -> list[str]:
        """The report's measures in agenda order: section by section, then registry order."""
        ordered: list[str] = []
        for section in self.sections:
            specs = sorted(
                (m for m in MEASURES.values() if m.subgroup == section.subgroup),
                key=lambda m: (m.order, m.title),
            )
            for spec in specs:
                if (spec.headline or not section.headline_only) and spec.id not in ordered:
                    ordered.append(spec.id)
        return ordered


ALL = frozenset({"public", "partnership", "force_restricted"})
PARTNERSHIP = frozenset({"public", "partnership"})
PUBLIC = frozenset({"public"})

REPORTS: dict[str, ReportSpec] = {
    r.id: r
    for r in (
        ReportSpec(
            "executive-board",
            "Executive Board performance report",
            "monthly",
            "OPCC Executive Board",
            "OPCC Executive Board only: includes force-restricted figures.",
            ALL,
            (
                ReportSection("force"),
                ReportSection("police-demand"),
                *(ReportSection(s, headline_only=True) for s in BOARD_SUBGROUPS),
            ),
        ),
        ReportSpec(
            "police-crime-panel",
            "Police and Crime Panel performance report",
            "quarterly",
            "Police and Crime Panel",
            "Public meeting: holds only figures that may be published.",
            PUBLIC,
            (ReportSection("force"), ReportSection("police-demand")),
            public=True,
        ),
        ReportSpec(
            "lcjp-board",
            "LCJP Board dashboard",
            "quarterly",
            "Local Criminal Justice Partnership Board",
            "LCJP partners: public and partnership figures.",
            PARTNERSHIP,
            tuple(ReportSection(s, headline_only=True) for s in BOARD_SUBGROUPS),
        ),
        ReportSpec(
            "reducing-reoffending",
            "Reducing Reoffending group report",
            "quarterly",
            "Reducing Reoffending subgroup",
            "Subgroup members: public and partnership figures.",
            PARTNERSHIP,
            (ReportSection("reducing-reoffending"),),
        ),
        ReportSpec(
            "victim-witness",
            "Victim & Witness group report",
            "quarterly",
            "Victim & Witness subgroup",
            "Subgroup members: public and partnership figures.",
            PARTNERSHIP,
            (ReportSection("victim-witness"),),
        ),
        ReportSpec(
            "female-offender",
            "Female Offender group report",
            "quarterly",
            "Female Offender subgroup",
            "Subgroup members: public and partnership figures.",
            PARTNERSHIP,
            (ReportSection("female-offender"),),
        ),
        ReportSpec(
            "effectiveness-efficiency",
            "Effectiveness & Efficiency dashboard",
            "monthly",
            "Effectiveness & Efficiency subgroup",
            "Subgroup members: public and partnership figures, court backlog against other areas.",
            PARTNERSHIP,
            (ReportSection("effectiveness-efficiency"),),
        ),
    )
}
