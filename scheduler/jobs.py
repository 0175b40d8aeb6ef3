"""Refresh jobs: every entry point (first start, CLI, scheduler) goes through here and its lock."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from config import Settings
from loaders.locks import exclusive
from loaders.refresh import RefreshOutcome, cache_is_empty, london_today, refresh_all


def refresh_everything(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    *,
    trigger: str,
    progress: Callable[[str], None] | None = None,
) -> list[RefreshOutcome]:
    """Refresh every dataset under a cross-process lock, so two processes never load at once."""
    with exclusive(engine, "refresh", settings.instance_dir):
        return refresh_all(
            session_factory,
            public_data_dir=settings.public_data_dir,
            demo_dir=settings.instance_dir / "demo-data",
            today=london_today(settings.timezone),
            trigger=trigger,
            progress=progress,
            submissions_dir=settings.submissions_dir,
        )


def refresh_if_empty(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> list[RefreshOutcome]:
    """A fresh install loads once at first start; with several workers only the first one loads."""
    if not cache_is_empty(session_factory):
        return []
    with exclusive(engine, "first-start", settings.instance_dir):
        if not cache_is_empty(session_factory):
            return []
        return refresh_everything(
            engine, session_factory, settings, trigger="first-start", progress=progress
        )
