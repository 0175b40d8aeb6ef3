"""The data-sharing register: one entry per dataset, seeded at start and kept by administrators.

Restricted by default: a force-restricted dataset reaches the OPCC and the force it is about;
any other organisation sees it only while the register shares it with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.datasets import DATASETS
from loaders.models import DataSharingEntry

AGREEMENT_TYPES = ("MoU", "DSA", "public")


class SharingError(ValueError):
    """A register edit that cannot be stored; the message says why."""


def seed_register(session_factory: sessionmaker) -> None:
    """An entry for every registered dataset that has none; existing entries are left alone."""
    with session_factory() as session:
        known = set(session.scalars(sa.select(DataSharingEntry.dataset_id)))
        for dataset in DATASETS.values():
            if dataset.id in known:
                continue
            public = dataset.classification == "public"
            session.add(
                DataSharingEntry(
                    dataset_id=dataset.id,
                    provider=dataset.publisher,
                    agreement_type="public" if public else "DSA",
                    reference="",
                    review_date=None,
                    classification=dataset.classification,
                    shared_with="",
                    may_publish=public,
                )
            )
        session.commit()


def shared_with(entry: DataSharingEntry) -> list[str]:
    return [code for code in (entry.shared_with or "").split(",") if code]


def datasets_shared_with(session: Session, organisation: str | None) -> frozenset[str]:
    """The datasets the register shares with an organisation."""
    if not organisation:
        return frozenset()
    entries = session.scalars(sa.select(DataSharingEntry))
    return frozenset(e.dataset_id for e in entries if organisation in shared_with(e))


def entries(session: Session) -> list[DataSharingEntry]:
    return list(session.scalars(sa.select(DataSharingEntry).order_by(DataSharingEntry.dataset_id)))


def review_overdue(entry: DataSharingEntry, today: date) -> bool:
    return entry.review_date is not None and entry.review_date < today


@dataclass(frozen=True)
class SharingEdit:
    dataset_id: str
    agreement_type: str
    reference: str
    review_date: date | None
    shared_with: tuple[str, ...]
    may_publish: bool


def update_entry(session_factory: sessionmaker, edit: SharingEdit, organisations: set[str]) -> None:
    """Store an administrator's edit after checking it; a bad edit changes nothing."""
    if edit.dataset_id not in DATASETS:
        raise SharingError(f"Unknown dataset {edit.dataset_id!r}.")
    if edit.agreement_type not in AGREEMENT_TYPES:
        raise SharingError(f"Agreement type must be one of {', '.join(AGREEMENT_TYPES)}.")
    unknown = [code for code in edit.shared_with if code not in organisations]
    if unknown:
        raise SharingError(f"Unknown organisation: {', '.join(unknown)}.")
    with session_factory() as session:
        entry = session.get(DataSharingEntry, edit.dataset_id)
        if entry is None:
            raise SharingError(f"No register entry for {edit.dataset_id!r}.")
        entry.agreement_type = edit.agreement_type
        entry.reference = edit.reference.strip()[:120]
        entry.review_date = edit.review_date
        entry.shared_with = ",".join(sorted(set(edit.shared_with)))
        entry.may_publish = edit.may_publish
        session.commit()
