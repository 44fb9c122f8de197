"""Snapshot store: mirror fallback, immutable dated snapshots, clear error for a missing file."""
import json

import pytest

from etl.errors import MissingInputError
from etl.settings import Settings
from etl.snapshots import SnapshotStore


@pytest.fixture()
def store(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "ds").mkdir(parents=True)
    (mirror / "ds" / "a.csv").write_text("x;y\n1;2\n")
    s = Settings(snapshot_dir=str(tmp_path / "snap"), mirror_dir=str(mirror), online="1")
    return SnapshotStore(s)


def test_offline_uses_mirror_and_says_so(store, caplog):
    store.settings.online = "0"
    with caplog.at_level("INFO"):
        snap = store.resolve("ds", "a.csv", fetcher=lambda: (b"never", "http://x"))
    assert snap.origin == "mirror" and snap.size == 8
    assert "read-only mirror" in caplog.text


def test_fetch_writes_dated_snapshot_with_metadata(store):
    snap = store.resolve("ds", "a.csv", fetcher=lambda: (b"fresh", "https://example.invalid/a.csv"))
    assert snap.origin == "http"
    meta = json.loads(open(snap.path + ".meta.json").read())
    assert meta["url"] == "https://example.invalid/a.csv" and meta["size"] == 5
    assert meta["sha256"] == snap.sha256


def test_identical_refetch_is_reused_and_changed_body_never_overwrites(store):
    first = store.resolve("ds", "a.csv", fetcher=lambda: (b"v1", "u"))
    again = store.resolve("ds", "a.csv", fetcher=lambda: (b"v1", "u"))
    assert again.path == first.path
    second = store.resolve("ds", "a.csv", fetcher=lambda: (b"v2", "u"))
    assert second.path != first.path
    assert open(first.path, "rb").read() == b"v1"


def test_failed_fetch_falls_back_to_latest_snapshot(store):
    store.resolve("ds", "a.csv", fetcher=lambda: (b"v1", "u"))

    def boom():
        raise ConnectionError("no network")
    snap = store.resolve("ds", "a.csv", fetcher=boom)
    assert snap.origin == "snapshot" and open(snap.path, "rb").read() == b"v1"


def test_missing_file_names_dataset_and_places(store):
    with pytest.raises(MissingInputError, match=r"dataset 'ds': input file 'b.csv' not found; expected in: .*snap.*mirror"):
        store.resolve("ds", "b.csv")
