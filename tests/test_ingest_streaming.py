"""police.uk files streamed once per refresh, and an unchanged folder known from its files'
sizes and modification times (loaders.fingerprints) without reading them."""

from __future__ import annotations

import os
import shutil
import time

import pandas as pd
import sqlalchemy as sa

from loaders import refresh
from loaders.datasets import DATASETS
from loaders.models import SourceFingerprint
from loaders.sources import police_uk

STREET = DATASETS["police_uk_street"]
OUTCOMES = DATASETS["police_uk_outcomes"]


def _old_copy(public_data_dir, tmp_path):
    """The real street files, copied with their (old) modification times kept."""
    folder = tmp_path / "police_uk_street"
    shutil.copytree(public_data_dir / "police_uk_street", folder)
    return folder


def test_the_streaming_reader_counts_every_real_file_as_the_strict_reader_does(public_data_dir):
    for raw in police_uk.find_raw_files(public_data_dir / "police_uk_street"):
        streamed = police_uk._stream_counts(raw.path)
        assert streamed is not None, f"{raw.label} fell back to the strict reader"
        assert police_uk._keys_are_valid(streamed, raw.month, {})
        fast = police_uk._raw_counts(raw, {}, []).to_pandas()
        strict = police_uk._record_counts(police_uk._read_raw(raw, {}, []))

        def totals(frame):
            return frame.groupby(police_uk.COUNT_KEYS)["count"].sum().sort_index()

        pd.testing.assert_series_equal(totals(fast), totals(strict))
        assert int(fast["count"].sum()) == sum(1 for _ in raw.path.open()) - 1


def test_both_police_datasets_read_each_file_once_in_a_refresh(
    cache, public_data_dir, tmp_path, monkeypatch
):
    folder = _old_copy(public_data_dir, tmp_path)
    reads = []
    stream = police_uk._stream_counts
    monkeypatch.setattr(
        police_uk, "_stream_counts", lambda path: reads.append(path) or stream(path)
    )
    for spec in (STREET, OUTCOMES):
        assert refresh.refresh_dataset(cache, spec, folder).status == "success"
    assert sorted(reads) == sorted(r.path for r in police_uk.find_raw_files(folder))

    # A file that changes is read again, never served from the earlier read.
    changed = folder / "2025-01-durham-street.csv"
    changed.write_bytes(changed.read_bytes().replace(b"Burglary", b"Robbery", 1))
    os.utime(changed, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))
    reads.clear()
    police_uk.read_street_data(folder)
    assert len(reads) == len(police_uk.find_raw_files(folder))


def test_an_unchanged_folder_is_known_without_reading_a_byte(
    cache, public_data_dir, tmp_path, monkeypatch
):
    folder = _old_copy(public_data_dir, tmp_path)
    assert refresh.refresh_dataset(cache, STREET, folder).status == "success"
    with cache() as session:
        stored = session.get(SourceFingerprint, str(folder.resolve()))
    assert len(stored.files) == len(refresh.source_files(folder))

    hashed = []
    real_hash = refresh.content_hash
    monkeypatch.setattr(refresh, "content_hash", lambda *a: hashed.append(a) or real_hash(*a))
    again = refresh.refresh_dataset(cache, STREET, folder)
    assert again.status == "unchanged" and hashed == []
    # The outcomes dataset reads the same folder: the same fingerprint serves it.
    assert refresh.refresh_dataset(cache, OUTCOMES, folder).status == "success"
    assert hashed == []

    # Same bytes, a new modification time: hashed again, still unchanged, fingerprint renewed.
    touched = folder / "2025-02-cleveland-street.csv"
    os.utime(touched, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))
    assert refresh.refresh_dataset(cache, STREET, folder).status == "unchanged"
    assert len(hashed) == 1
    assert refresh.refresh_dataset(cache, STREET, folder).status == "unchanged"
    assert len(hashed) == 1


def test_a_file_written_just_now_is_hashed_every_time(cache, public_data_dir, tmp_path):
    folder = _old_copy(public_data_dir, tmp_path)
    (folder / "2025-01-durham-street.csv").write_bytes(
        (folder / "2025-01-durham-street.csv").read_bytes()
    )
    assert refresh.refresh_dataset(cache, STREET, folder).status == "success"
    with cache() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(SourceFingerprint))
    # Too new for its size and time to vouch for it: no fingerprint, so the next refresh hashes.
    assert count == 0
