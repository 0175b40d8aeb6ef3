"""The data-sharing register: one entry per dataset, seeded at start and kept by administrators.

Restricted by default: a force-restricted dataset reaches the OPCC and the force it is about;
any other organisation sees it only while the register shares it with them, and then only for this
partnership's own forces (loaders/access.py enforces both)."""

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


def register_classifications(session: Session) -> dict[str, str]:
    """Each dataset's classification as the register holds it (loaders/access.py applies it)."""
    rows = session.execute(sa.select(DataSharingEntry.dataset_id, DataSharingEntry.classification))
    return {dataset_id: classification for dataset_id, classification in rows}


def entry_for(session: Session, dataset_id: str | None) -> DataSharingEntry | None:
    """One dataset's register entry, or None for a dataset the registry does not know."""
    if dataset_id not in DATASETS:
        return None
    return session.get(DataSharingEntry, dataset_id)


def entries(session: Session) -> list[DataSharingEntry]:
    return list(session.scalars(sa.select(DataSharingEntry).order_by(DataSharingEntry.dataset_id)))


def review_overdue(entry: DataSharingEntry, today: date) -> bool:
    return entry.review_date is not None and entry.review_date < today


@dataclass(frozen=True)
class SharingEdit:
    """An administrator's edit of one entry; a provider or classification of None keeps the
    stored one."""

    dataset_id: str
    agreement_type: str
    reference: str
    review_date: date | None
    shared_with: tuple[str, ...]
    may_publish: bool
    provider: str | None = None
    classification: str | None = None


PROVIDER_MAX = 200  # the column's width


def _check_classification(dataset_id: str, classification: str) -> None:
    """One of the known classifications, and never laxer than the registry's: the register may
    restrict a dataset further, but loosening one is a change to its source, not to its entry."""
    from loaders.access import CLASSIFICATIONS  # access reads the register, so imported here

    if classification not in CLASSIFICATIONS:
        names = ", ".join(c.replace("_", " ") for c in CLASSIFICATIONS)
        raise SharingError(f"Classification must be one of {names}.")
    source = DATASETS[dataset_id].classification
    if CLASSIFICATIONS.index(classification) < CLASSIFICATIONS.index(source):
        raise SharingError(
            f"{dataset_id} is {source.replace('_', ' ')} at source; the register may make a "
            "classification stricter, never laxer."
        )


def update_entry(
    session_factory: sessionmaker, edit: SharingEdit, organisations: set[str]
) -> list[str]:
    """Store an administrator's edit after checking it and return the fields it changed; a bad
    edit changes nothing."""
    if edit.dataset_id not in DATASETS:
        raise SharingError(f"Unknown dataset {edit.dataset_id!r}.")
    if edit.agreement_type not in AGREEMENT_TYPES:
        raise SharingError(f"Agreement type must be one of {', '.join(AGREEMENT_TYPES)}.")
    unknown = [code for code in edit.shared_with if code not in organisations]
    if unknown:
        raise SharingError(f"Unknown organisation: {', '.join(unknown)}.")
    provider = None if edit.provider is None else edit.provider.strip()
    if provider is not None and not provider:
        raise SharingError("Name the provider of the dataset.")
    if provider is not None and len(provider) > PROVIDER_MAX:
        raise SharingError(f"The provider's name is longer than {PROVIDER_MAX} characters.")
    if edit.classification is not None:
        _check_classification(edit.dataset_id, edit.classification)
    with session_factory() as session:
        entry = session.get(DataSharingEntry, edit.dataset_id)
        if entry is None:
            raise SharingError(f"No register entry for {edit.dataset_id!r}.")
        wanted = {
            "agreement_type": edit.agreement_type,
            "reference": edit.reference.strip()[:120],
            "review_date": edit.review_date,
            "shared_with": ",".join(sorted(set(edit.shared_with))),
            "may_publish": edit.may_publish,
            "provider": entry.provider if provider is None else provider,
            "classification": edit.classification or entry.classification,
        }
        changed = [name for name, value in wanted.items() if getattr(entry, name) != value]
        for name in changed:
            setattr(entry, name, wanted[name])
        session.commit()
    return changed
