"""Who may see which figures: the rights model, as pure rules over the registries.

Rights are derived, never listed page by page: a figure's measure says which subgroup it belongs
to, its dataset says how it is classified, and the figure's area says which force it is about.

- administrator, OPCC analyst: every figure.
- viewer: every subgroup's public and partnership figures.
- subgroup chair, subgroup member: public and partnership figures of their own subgroups only;
  a chair may also submit data for them.
- force-restricted figures reach the OPCC (its analysts and administrators, and anyone in the OPCC
  organisation) and the force the figure is about: a Durham Constabulary user sees Durham's
  force-restricted figures, never Cleveland's.
- the data-sharing register (loaders/sharing.py) may share a force-restricted dataset with a partner
  organisation: it then reaches them for this partnership's own forces (the areas the providing
  forces cover, and the partnership figure made from them), never for other forces' figures. The
  register may also raise a dataset's classification, never lower it below the registry's.

callbacks/permissions.py applies these rules to the signed-in user on every request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from loaders.datasets import DATASETS
from loaders.measures import MEASURES, SUBGROUPS
from loaders.models import Area, DataSharingEntry, Organisation, SubgroupGrant, User
from loaders.sharing import shared_with

ROLES = ("admin", "analyst", "chair", "member", "viewer")
ROLE_NAMES = {
    "admin": "Administrator",
    "analyst": "OPCC analyst",
    "chair": "Subgroup chair",
    "member": "Subgroup member",
    "viewer": "Viewer",
}
ALL_DATA_ROLES = frozenset({"admin", "analyst"})
SUBGROUP_ROLES = frozenset({"chair", "member"})
CLASSIFICATIONS = ("public", "partnership", "force_restricted")

# How far a classification reaches for a user: every area, only their own force's, their own
# force's and the partnership's (a dataset the register shares with them), or nothing.
EVERY_AREA, OWN_FORCE, NOTHING = "every area", "own force", "nothing"
SHARED = "own force and the partnership's forces"


@dataclass(frozen=True)
class Rights:
    """What one user may see, read from the database once per request."""

    user_id: int | None = None
    username: str = ""
    role: str = ""
    organisation: str | None = None
    organisation_kind: str | None = None
    force_area: str | None = None
    subgroups: frozenset[str] = field(default_factory=frozenset)
    # Datasets the data-sharing register shares with the user's organisation.
    shared_datasets: frozenset[str] = field(default_factory=frozenset)
    # The partnership's LCJP area code and its force area codes: how far a shared dataset reaches.
    partnership: frozenset[str] = field(default_factory=frozenset)
    # Each dataset's classification in the register (it may be stricter than the registry's).
    classifications: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_all_data(self) -> bool:
        return self.role in ALL_DATA_ROLES

    @property
    def sees_every_force(self) -> bool:
        """The OPCC sees every force's restricted figures, whatever the user's role."""
        return self.sees_all_data or (self.role in ROLES and self.organisation_kind == "opcc")


NO_RIGHTS = Rights()


def rights_for(session: Session, user_id: int | None, partnership: Iterable[str] = ()) -> Rights:
    """The rights of an active user as stored now; a disabled or unknown user has none.

    `partnership` is the configured LCJP code and its forces (settings.lcjp), the only areas a
    dataset the register shares with the user's organisation reaches them for."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        return NO_RIGHTS
    organisation = (
        session.get(Organisation, user.organisation_code) if user.organisation_code else None
    )
    register = [
        (entry.dataset_id, entry.classification, tuple(shared_with(entry)))
        for entry in session.scalars(sa.select(DataSharingEntry))
    ]
    return rights_from(user, organisation, subgroup_grants(session, user), register, partnership)


def subgroup_grants(session: Session, user: User) -> frozenset[str]:
    """The subgroups granted to a chair or member (no query for any other role: none apply)."""
    if user.role not in SUBGROUP_ROLES:
        return frozenset()
    return frozenset(
        session.scalars(
            sa.select(SubgroupGrant.subgroup_id).where(SubgroupGrant.user_id == user.id)
        )
    )


def rights_from(
    user: User | None,
    organisation: Organisation | None,
    subgroups: Iterable[str],
    register: Iterable[tuple[str, str, tuple[str, ...]]],
    partnership: Iterable[str] = (),
) -> Rights:
    """Rights from rows already read: the user, their organisation, their subgroup grants and
    the register's (dataset, classification, organisations shared with) entries."""
    if user is None or not user.active or user.role not in ROLES:
        return NO_RIGHTS
    register = list(register)
    code = organisation.code if organisation else None
    return Rights(
        user_id=user.id,
        username=user.username,
        role=user.role,
        organisation=code,
        organisation_kind=organisation.kind if organisation else None,
        force_area=organisation.force_area_code if organisation else None,
        subgroups=frozenset(subgroups) if user.role in SUBGROUP_ROLES else frozenset(),
        shared_datasets=frozenset(d for d, _c, shared in register if code and code in shared),
        partnership=frozenset(partnership),
        classifications={d: c for d, c, _shared in register},
    )


def can_view_subgroup(rights: Rights, subgroup_id: str | None) -> bool:
    if subgroup_id not in SUBGROUPS or rights.role not in ROLES:
        return False
    if rights.role in SUBGROUP_ROLES:
        return subgroup_id in rights.subgroups
    return True


def reach(rights: Rights, classification: str) -> str:
    """How far figures of this classification reach this user; unknown classifications are closed."""
    if rights.role not in ROLES:
        return NOTHING
    if classification in {"public", "partnership"}:
        return EVERY_AREA
    if classification == "force_restricted":
        if rights.sees_every_force:
            return EVERY_AREA
        return OWN_FORCE if rights.force_area else NOTHING
    return EVERY_AREA if rights.sees_all_data else NOTHING


def dataset_classification_reach(rights: Rights, dataset) -> str:
    """reach() of the stricter of the registry's and the register's classification, widened to
    the partnership's forces for a force-restricted dataset the register shares with the user's
    organisation (the OPCC and the owning force need no entry). Sharing never opens another
    force's figures: a partner sees the forces this partnership's agreements cover."""
    classification = dataset.classification
    registered = rights.classifications.get(dataset.id, classification)
    if classification in CLASSIFICATIONS and (
        registered not in CLASSIFICATIONS
        or CLASSIFICATIONS.index(registered) > CLASSIFICATIONS.index(classification)
    ):
        classification = registered  # stricter, or unknown (closed)
    how_far = reach(rights, classification)
    if (
        how_far != EVERY_AREA
        and rights.role in ROLES
        and classification == "force_restricted"
        and dataset.id in rights.shared_datasets
    ):
        return SHARED
    return how_far


def measure_reach(rights: Rights, measure_id: str) -> str:
    """How far one measure's figures reach: its subgroup, then its dataset's classification."""
    spec = MEASURES.get(measure_id)
    dataset = DATASETS.get(spec.dataset_id) if spec else None
    if spec is None or dataset is None or not can_view_subgroup(rights, spec.subgroup):
        return NOTHING
    return dataset_classification_reach(rights, dataset)


def can_view_measure(rights: Rights, measure_id: str) -> bool:
    return measure_reach(rights, measure_id) != NOTHING


def visible_measures(rights: Rights, dataset_id: str | None = None) -> list[str]:
    return [
        m.id
        for m in MEASURES.values()
        if (dataset_id is None or m.dataset_id == dataset_id) and can_view_measure(rights, m.id)
    ]


def dataset_reach(rights: Rights, dataset_id: str) -> str:
    """A dataset reaches a user through any of its measures; one with no measures only the OPCC's."""
    dataset = DATASETS.get(dataset_id)
    if dataset is None:
        return NOTHING
    has_measures = any(m.dataset_id == dataset_id for m in MEASURES.values())
    if not has_measures:
        return EVERY_AREA if rights.sees_all_data else NOTHING
    if not visible_measures(rights, dataset_id):
        return NOTHING
    return dataset_classification_reach(rights, dataset)


def area_in_reach(rights: Rights, area_reach: str, area_code: str | None, area_forces) -> bool:
    """Whether one area's figures are within a reach: a shared dataset reaches the user's own
    force and the partnership (its LCJP area, its forces, and courts or units in those forces)."""
    if area_reach == EVERY_AREA:
        return True
    if area_code is None or area_reach not in {OWN_FORCE, SHARED}:
        return False
    force = area_forces.get(area_code)
    if force is not None and force == rights.force_area:
        return True
    return area_reach == SHARED and (
        area_code in rights.partnership or (force is not None and force in rights.partnership)
    )


def can_view_dataset(
    rights: Rights, dataset_id: str, area_code: str | None = None, area_forces=None
) -> bool:
    """Some of the dataset at all (no area), or its figures for one area."""
    how_far = dataset_reach(rights, dataset_id)
    if area_code is None:
        return how_far != NOTHING
    return area_in_reach(rights, how_far, area_code, area_forces or {})


def can_submit(
    rights: Rights, dataset_id: str, area_code: str | None = None, area_forces=None
) -> bool:
    """Submit or replace a dataset's figures: the OPCC's analysts and administrators, and the chair
    of a subgroup the dataset feeds whose organisation answers for the data (DATASET_OWNERS; for a
    force-restricted dataset, only for their own force).
    The register shares a dataset to be seen, never to be submitted, so shares are set aside."""
    rights = replace(rights, shared_datasets=frozenset())
    # Only partner returns are submitted; published statistics come from their publishers.
    if dataset_id not in DATASETS or not DATASETS[dataset_id].submission:
        return False
    if rights.sees_all_data:
        return True
    if rights.role != "chair":
        return False
    feeds_own_subgroup = any(
        m.dataset_id == dataset_id and m.subgroup in rights.subgroups for m in MEASURES.values()
    )
    if not feeds_own_subgroup:
        return False
    # Chairing a subgroup does not make a chair answer for every partner's figures in it: only
    # returns whose data their own organisation answers for (an HMCTS chair: HMCTS's returns).
    if rights.organisation_kind not in DATASET_OWNERS.get(dataset_id, frozenset()):
        return False
    if area_code is None:
        return dataset_reach(rights, dataset_id) != NOTHING
    return can_view_dataset(rights, dataset_id, area_code, area_forces)


def permitted_rows(
    rights: Rights, measure_id: str, frame: pd.DataFrame, area_forces: dict[str, str | None]
) -> pd.DataFrame:
    """Only the rows of `frame` (an observation frame of one measure) this user may see."""
    how_far = measure_reach(rights, measure_id)
    if how_far == EVERY_AREA:
        return frame
    if how_far == NOTHING or frame.empty:
        return frame.iloc[0:0]
    codes = frame["area_code"].unique()
    allowed = [c for c in codes if area_in_reach(rights, how_far, c, area_forces)]
    return frame[frame["area_code"].isin(allowed)]


def permitted_areas(
    rights: Rights, dataset_id: str, area_codes: Iterable[str], area_forces
) -> list[str]:
    """The given area codes this user may see the dataset's figures for, in their order."""
    how_far = dataset_reach(rights, dataset_id)
    return [c for c in area_codes if area_in_reach(rights, how_far, c, area_forces)]


def area_force_map(session: Session) -> dict[str, str | None]:
    """Each area's police force area: a force is its own; a court or unit inherits its force
    (its own `force_code`, else its parent's)."""
    rows = session.execute(sa.select(Area.code, Area.area_type, Area.parent_code, Area.force_code))
    areas = {code: (area_type, parent, force) for code, area_type, parent, force in rows}
    resolved: dict[str, str | None] = {}

    def force_of(code: str, depth: int = 0) -> str | None:
        if code in resolved:
            return resolved[code]
        area_type, parent, force = areas.get(code, (None, None, None))
        if area_type in {"police_force_area", "other_force"}:
            result = code
        elif force:
            result = force
        elif parent and depth < 10:
            result = force_of(parent, depth + 1)
        else:
            result = None
        resolved[code] = result
        return result

    for code in areas:
        force_of(code)
    return resolved


# Who answers for a dataset's figures: users of these kinds of organisation may write commentary
# on its measures (within their own subgroups); the OPCC may write on any measure it can see.
DATASET_OWNERS: dict[str, frozenset[str]] = {
    "moj_ccsq_crown": frozenset({"hmcts"}),
    "hmcts_crown_mi": frozenset({"hmcts"}),
    "hmcts_magistrates_mi": frozenset({"hmcts"}),
    "police_uk_street": frozenset({"police"}),
    "police_uk_outcomes": frozenset({"police"}),
    "police_force_extract": frozenset({"police"}),
    "cps_case_outcomes": frozenset({"cps"}),
    "cps_weekly_dashboard": frozenset({"cps"}),
    "wcu_witness_care": frozenset({"police", "victim_services"}),
    "victims_code_compliance": frozenset({"police", "cps", "victim_services", "probation"}),
    "moj_proven_reoffending": frozenset({"probation", "youth_justice", "prisons"}),
    "probation_iom_cohort": frozenset({"probation", "police"}),
    "prt_women_imprisonment": frozenset({"probation", "prisons", "other"}),
    "womens_services": frozenset({"probation", "other"}),
}


def is_opcc(rights: Rights) -> bool:
    """The OPCC: its analysts and administrators, and anyone in the OPCC organisation."""
    return rights.role in ROLES and (rights.sees_all_data or rights.organisation_kind == "opcc")


def is_force_wide(rights: Rights, measure_id: str) -> bool:
    """A measure of a force-restricted dataset: its figures are each force's own, one measure for
    every force of the partnership, so text written on it is read by every force."""
    spec = MEASURES.get(measure_id)
    dataset = DATASETS.get(spec.dataset_id) if spec else None
    if dataset is None:
        return False
    registered = rights.classifications.get(dataset.id, dataset.classification)
    return "force_restricted" in {dataset.classification, registered}


def can_comment(rights: Rights, measure_id: str) -> bool:
    """The OPCC writes on any measure it may see; a partner's chair or member only on measures of
    their own subgroups whose figures their organisation answers for, and never on a force-wide
    measure (one force would be writing what every force reads). Viewers never write. Drafts
    are read only by those who may write them."""
    spec = MEASURES.get(measure_id)
    if spec is None or not can_view_measure(rights, measure_id):
        return False
    if is_opcc(rights):
        return True
    if rights.role not in SUBGROUP_ROLES or spec.subgroup not in rights.subgroups:
        return False
    if is_force_wide(rights, measure_id):
        return False
    return rights.organisation_kind in DATASET_OWNERS.get(spec.dataset_id, frozenset())


def can_update_action(rights: Rights, measure_id: str, owner_organisation: str) -> bool:
    """Who may change an action's status and note: anyone who may write on its measure (so on a
    force-wide measure only the OPCC), and the organisation named as the action's owner, on a
    measure its user may see: the owner reports progress on what was asked of it."""
    if not can_view_measure(rights, measure_id):
        return False
    if can_comment(rights, measure_id):
        return True
    return (
        rights.role in SUBGROUP_ROLES
        and bool(owner_organisation)
        and rights.organisation == owner_organisation
    )


def can_schedule_meeting(rights: Rights, report) -> bool:
    """The OPCC schedules any board's or group's meetings; a subgroup chair only those of a report
    made wholly of subgroups they chair (their own group). Members and viewers never schedule."""
    return rights.sees_all_data or chairs_whole_report(rights, report)


def chairs_whole_report(rights: Rights, report) -> bool:
    """The report is a chair's own: every section of it is a subgroup they chair. Decides both who
    schedules a group's meetings and who generates its packs."""
    if rights.role != "chair" or not report.sections:
        return False
    return all(section.subgroup in rights.subgroups for section in report.sections)
