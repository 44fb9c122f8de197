from etl.settings import SETTINGS, Settings


def test_every_setting_has_env_and_help():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    for s in SETTINGS:
        assert s.env.startswith("IA_") and len(s.help) > 20


def test_env_overrides_default(monkeypatch, tmp_path):
    monkeypatch.setenv("IA_WAREHOUSE", str(tmp_path / "x.duckdb"))
    assert Settings().warehouse == tmp_path / "x.duckdb"


def test_mirror_defaults_to_shared_opendata():
    assert Settings().mirror.as_posix().endswith("shared/opendata")


def test_password_masked_in_display():
    rows = dict((r[0], r[2]) for r in Settings(genesis_password="secret").as_rows())
    assert rows["genesis_password"] == "********"
