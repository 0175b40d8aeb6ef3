"""Refresh: loads real files, is idempotent, and a failing dataset rolls back alone."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from loaders import refresh
from loaders.datasets import DATASETS
from loaders.errors import ValidationFailed
from loaders.frames import LoadResult, observation_frame
from loaders.models import AreaBoundary, Dataset, Observation, RefreshRun, Vintage
from loaders.queries import observations

TODAY = date(2026, 11, 26)
# Published datasets load from the public tree; partner datasets from drop folders, which are
# empty here (tests/test_submission_uploads.py covers them).
PUBLISHED = [d.id for d in DATASETS.values() if not d.submission]
PARTNER = [d.id for d in DATASETS.values() if d.submission]


def _counts(factory) -> dict[str, int]:
    """Rows each dataset's current vintage holds: observations, and boundaries for a map."""
    with factory() as session:
        rows = session.execute(
            sa.select(Observation.dataset_id, sa.func.count())
            .join(Dataset, Dataset.current_vintage_id == Observation.vintage_id)
            .group_by(Observation.dataset_id)
        ).all()
        boundaries = session.execute(
            sa.select(Dataset.id, sa.func.count())
            .join(AreaBoundary, AreaBoundary.vintage_id == Dataset.current_vintage_id)
            .group_by(Dataset.id)
        ).all()
    counts = dict(rows)
    for dataset_id, count in boundaries:
        counts[dataset_id] = counts.get(dataset_id, 0) + count
    return counts


def _load_all(factory, public_dir, tmp_path):
    return refresh.refresh_all(factory, public_data_dir=public_dir, demo_dir=tmp_path, today=TODAY)


def test_refresh_loads_real_files_and_is_idempotent(cache, public_data_dir, tmp_path):
    first = _load_all(cache, public_data_dir, tmp_path)
    status = {o.dataset_id: o.status for o in first}
    assert [status[d] for d in PUBLISHED] == ["success"] * len(PUBLISHED)
    assert [status[d] for d in PARTNER] == ["empty"] * len(PARTNER)
    counts = _counts(cache)
    assert counts == {o.dataset_id: o.rows for o in first if o.status == "success"}

    second = _load_all(cache, public_data_dir, tmp_path)
    status = {o.dataset_id: o.status for o in second}
    assert [status[d] for d in PUBLISHED] == ["unchanged"] * len(PUBLISHED)
    assert _counts(cache) == counts
    with cache() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Vintage)) == len(PUBLISHED)
        statuses = session.scalars(sa.select(RefreshRun.status).order_by(RefreshRun.id)).all()
    assert statuses == ["success"] * len(PUBLISHED) + ["unchanged"] * len(PUBLISHED)


def test_a_failing_dataset_rolls_back_alone_and_keeps_its_last_good_rows(
    cache, public_data_dir, tmp_path
):
    _load_all(cache, public_data_dir, tmp_path / "demo")
    before = _counts(cache)
    with cache() as session:
        teesside_before = observations(session, "crown_open_cases", area_codes=["CC-TEESSIDE"])

    broken = tmp_path / "public"
    shutil.copytree(public_data_dir, broken)
    trajectory = broken / "ccsq_crown_court" / "gold_backlog_trajectory.csv"
    text = trajectory.read_text()
    trajectory.write_text(text[: len(text) // 2])  # cut mid-file, as a failed download would
    (broken / "police_uk_street" / "2025-01-durham-street.csv").write_text(
        (public_data_dir / "police_uk_street" / "2025-01-durham-street.csv").read_text()
    )

    outcomes = {o.dataset_id: o for o in _load_all(cache, broken, tmp_path / "demo")}
    assert outcomes["moj_ccsq_crown"].status == "failed"
    assert "gold_backlog_trajectory.csv" in outcomes["moj_ccsq_crown"].error
    assert outcomes["police_uk_street"].status == "unchanged"
    assert _counts(cache) == before
    with cache() as session:
        after = observations(session, "crown_open_cases", area_codes=["CC-TEESSIDE"])
        run = session.scalars(
            sa.select(RefreshRun)
            .where(RefreshRun.dataset_id == "moj_ccsq_crown")
            .order_by(RefreshRun.id.desc())
        ).first()
    pd.testing.assert_frame_equal(after, teesside_before)
    assert run.status == "failed" and "gold_backlog_trajectory.csv" in run.error
    assert run.finished_at is not None


def test_invalid_loader_output_writes_nothing(cache, public_data_dir, tmp_path, monkeypatch):
    spec = DATASETS["moj_ccsq_crown"]
    assert refresh.refresh_dataset(cache, spec, public_data_dir / spec.folder).status == "success"
    before = _counts(cache)

    def negative_counts(_folder):
        frame = observation_frame(
            [
                {
                    "measure_id": "crown_open_cases",
                    "area_code": "K04000001",
                    "period_start": date(2025, 10, 1),
                    "period_end": date(2025, 12, 31),
                    "period_type": "quarter",
                    "value": -5.0,
                    "numerator": None,
                    "denominator": None,
                    "breakdown": {},
                }
            ]
        )
        return LoadResult(frame, files=[])

    forged = spec.__class__(**{**spec.__dict__, "loader": negative_counts})
    outcome = refresh.refresh_dataset(cache, forged, public_data_dir, today=TODAY)
    assert outcome.status == "failed"
    assert "negative counts" in outcome.error
    assert _counts(cache) == before


def test_validation_rules_name_each_problem():
    frame = observation_frame(
        [
            {
                "measure_id": "crown_open_1yr_share",
                "area_code": "K04000001",
                "period_start": date(2027, 1, 1),
                "period_end": date(2027, 3, 31),
                "period_type": "quarter",
                "value": 50.0,
                "numerator": 60.0,
                "denominator": 50.0,
                "breakdown": {},
            }
        ]
        * 2
    )
    from loaders.frames import validate_observations

    problems = validate_observations(
        frame, measures={"crown_open_1yr_share": "percent"}, area_codes={"K04000001"}, today=TODAY
    )
    text = " | ".join(problems)
    assert "numerator larger than the denominator" in text
    assert "not started yet" in text
    assert "share a key" in text
    with pytest.raises(ValidationFailed):
        raise ValidationFailed("x", problems)

    # Checked a whole column at a time: an infinite value, and a missing one that is not.
    frame = frame.assign(value=[float("inf"), None], period_start=date(2025, 1, 1))
    text = " | ".join(
        validate_observations(
            frame,
            measures={"crown_open_1yr_share": "percent"},
            area_codes={"K04000001"},
            today=TODAY,
        )
    )
    assert "some values are infinite" in text and "1 rows have no value" in text


def test_first_start_refreshes_an_empty_cache_once(make_settings, capsys):
    from app import create_app

    settings = make_settings(refresh_on_start=True)
    dash_app = create_app(settings)
    factory = dash_app.server.extensions["lcjp"].session_factory
    with factory() as session:
        triggers = session.scalars(sa.select(RefreshRun.trigger)).all()
    assert triggers == ["first-start"] * len(PUBLISHED)
    create_app(settings)  # a second start finds data and does not reload
    with factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RefreshRun)) == len(PUBLISHED)
    assert "moj_ccsq_crown: success" in capsys.readouterr().out


def test_refresh_command_shows_progress(app):
    result = app.server.test_cli_runner().invoke(args=["refresh"])
    assert result.exit_code == 0, result.output
    for dataset_id in PUBLISHED:
        assert f"{dataset_id}: loading from" in result.output
        assert f"{dataset_id}: unchanged" in result.output
    for dataset_id in PARTNER:  # "unchanged" once a test has uploaded a return
        assert (
            f"{dataset_id}: no returns submitted yet" in result.output
            or f"{dataset_id}: unchanged" in result.output
        )
