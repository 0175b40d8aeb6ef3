"""police.uk files streamed once per refresh, and an unchanged folder known from its files'
sizes and modification times (loaders.fingerprints) without reading them."""

from __future__ import annotations

import hashlib
import os
import shutil
import time

import pandas as pd
import sqlalchemy as sa

from loaders import fingerprints, refresh
from loaders.datasets import DATASETS
from loaders.models import SourceFingerprint, Vintage
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


def _hashed_apart(monkeypatch) -> list[str]:
    """Names of the files a refresh hashes in a read of its own (not while a loader reads)."""
    hashed: list[str] = []
    real = fingerprints.hash_files

    def spy(named, legacy=False):
        named = list(named)
        hashed.extend(name for name, _path in named)
        return real(named, legacy)

    monkeypatch.setattr(fingerprints, "hash_files", spy)
    return hashed


def _a_while_ago(path):
    os.utime(path, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))


def test_an_unchanged_folder_is_known_without_reading_a_byte(
    cache, public_data_dir, tmp_path, monkeypatch
):
    folder = _old_copy(public_data_dir, tmp_path)
    hashed = _hashed_apart(monkeypatch)
    assert refresh.refresh_dataset(cache, STREET, folder).status == "success"
    # Every raw file was hashed as the loader read it; only the counts file apart.
    assert hashed == [police_uk.AGGREGATE_GLOB.replace("*", "2025H1")]
    with cache() as session:
        stored = session.get(SourceFingerprint, str(folder.resolve()))
    assert len(stored.files) == len(refresh.source_files(folder))
    assert all(len(entry) == 3 for entry in stored.files.values())

    hashed.clear()
    reads = []
    stream = police_uk._stream_counts
    monkeypatch.setattr(police_uk, "_stream_counts", lambda p: reads.append(p) or stream(p))
    again = refresh.refresh_dataset(cache, STREET, folder)
    assert again.status == "unchanged" and hashed == [] and reads == []
    # The outcomes dataset reads the same folder: the same fingerprint serves it.
    assert refresh.refresh_dataset(cache, OUTCOMES, folder).status == "success"
    assert hashed == []

    # Same bytes, a new modification time: read again by the loader, which hashes it as it
    # reads; the same digest, so nothing is stored and the fingerprint is renewed.
    touched = folder / "2025-02-cleveland-street.csv"
    _a_while_ago(touched)
    assert refresh.refresh_dataset(cache, STREET, folder).status == "unchanged"
    assert hashed == []
    reads.clear()
    assert refresh.refresh_dataset(cache, STREET, folder).status == "unchanged"
    assert hashed == [] and reads == []


def test_only_a_changed_file_is_hashed_again(cache, public_data_dir, tmp_path, monkeypatch):
    folder = _old_copy(public_data_dir, tmp_path)
    assert refresh.refresh_dataset(cache, STREET, folder).status == "success"
    with cache() as session:
        before = dict(session.get(SourceFingerprint, str(folder.resolve())).files)
    hashed = _hashed_apart(monkeypatch)
    counts = folder / police_uk.AGGREGATE_GLOB.replace("*", "2025H1")
    counts.write_bytes(counts.read_bytes() + b"\n")
    _a_while_ago(counts)
    assert refresh.refresh_dataset(cache, STREET, folder).status in refresh.LOADED
    assert hashed == [counts.name]
    with cache() as session:
        after = session.get(SourceFingerprint, str(folder.resolve())).files
    assert {n for n in after if after[n] != before[n]} == {counts.name}
    assert after[counts.name][2] == hashlib.sha256(counts.read_bytes()).hexdigest()


def test_the_hash_taken_while_reading_equals_a_hash_of_the_file(public_data_dir):
    raws = police_uk.find_raw_files(public_data_dir / "police_uk_street")
    with fingerprints.recording() as read:
        for raw in raws:
            assert police_uk._stream_counts(raw.path) is not None
    assert len(read) == len(raws)
    for raw in raws:
        size, mtime, digest = read[str(raw.path.resolve())]
        assert [size, mtime] == fingerprints.stat_of(raw.path)
        assert digest == hashlib.sha256(raw.path.read_bytes()).hexdigest()
    # A file read only in part is not vouched for.
    with fingerprints.recording() as read, fingerprints.HashingReader(raws[0].path) as handle:
        handle.read(100)
    assert read == {}


def test_a_changed_byte_in_one_file_changes_the_folder_digest(public_data_dir, tmp_path):
    folder = _old_copy(public_data_dir, tmp_path)
    digest, _ = refresh.folder_hash(folder)
    changed = folder / "2025-03-durham-street.csv"
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    assert refresh.folder_hash(folder)[0] != digest
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    assert refresh.folder_hash(folder)[0] == digest


def _old_formula(folder) -> str:
    """The folder hash as stored before 0020: SHA-256 over each name, then its bytes."""
    digest = hashlib.sha256()
    for path in refresh.source_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_vintages_hashed_before_the_upgrade_are_recognised_not_reloaded(
    cache, public_data_dir, tmp_path, monkeypatch
):
    folder = _old_copy(public_data_dir, tmp_path)
    old = _old_formula(folder)
    with monkeypatch.context() as before_the_upgrade:  # a vintage stored with the old formula
        before_the_upgrade.setattr(refresh, "folder_digest", lambda *a, **k: (old, None))
        assert refresh.refresh_dataset(cache, STREET, folder).status == "success"
    refresh.folder_digest(cache, folder)
    key = str(folder.resolve())
    with cache.begin() as session:
        # as 0017 stored it: sizes and times only, the old formula's hash
        row = session.get(SourceFingerprint, key)
        row.files = {n: e[:2] for n, e in row.files.items()}
        row.content_hash, row.legacy_hash = old, None
    assert refresh.refresh_dataset(cache, STREET, folder).status == "unchanged"
    with cache() as session:
        row = session.get(SourceFingerprint, key)
        assert row.legacy_hash == old and all(len(e) == 3 for e in row.files.values())
    assert refresh.refresh_dataset(cache, STREET, folder).status == "unchanged"

    # No stored fingerprint at all (it was never stored, or was lost): the old formula is
    # computed in the same read as the new hashes.
    with cache.begin() as session:
        session.execute(sa.delete(SourceFingerprint))
    assert refresh.refresh_dataset(cache, STREET, folder).status == "unchanged"

    # A changed file: a new vintage, with the new formula's digest.
    changed = folder / "2025-01-durham-street.csv"
    changed.write_bytes(changed.read_bytes().replace(b"Burglary", b"Robbery", 1))
    _a_while_ago(changed)
    outcome = refresh.refresh_dataset(cache, STREET, folder)
    assert outcome.status in refresh.LOADED
    with cache() as session:
        stored = session.get(Vintage, outcome.vintage_id).content_hash
    assert stored == refresh.folder_hash(folder)[0] != _old_formula(folder)


def test_a_file_written_just_now_is_hashed_every_time(cache, public_data_dir, tmp_path):
    folder = _old_copy(public_data_dir, tmp_path)
    fresh = folder / "2025-01-durham-street.csv"
    fresh.write_bytes(fresh.read_bytes())
    assert refresh.refresh_dataset(cache, STREET, folder).status == "success"
    with cache() as session:
        stored = session.get(SourceFingerprint, str(folder.resolve())).files
    # Too new for its size and time to vouch for it: not kept, so the next refresh hashes it.
    assert fresh.name not in stored
    assert len(stored) == len(refresh.source_files(folder)) - 1
