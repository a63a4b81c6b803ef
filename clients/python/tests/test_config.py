"""The Python config loader accepts the demo config and names file and key on every schema error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ticklab.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "configs" / "demo.toml"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.toml"
    p.write_text(text)
    return p


def test_demo_config_loads():
    cfg = load_config(DEMO)
    assert cfg.stocks == ("AAPL", "MSFT", "AMZN", "NVDA")
    assert cfg.session.open == dt.time(9, 30)
    assert cfg.indicator_set("seed").indicators[0].kind == "seed"
    assert cfg.data.store_dir == (REPO / "data" / "demo" / "store")
    assert cfg.stats.horizons_ticks == (1, 10, 100)


def test_unknown_key_names_file_and_key(tmp_path):
    p = write(tmp_path, '[session]\nopen = "09:30:00"\nopne = 1\n')
    with pytest.raises(ConfigError, match=r"c\.toml: \[session\]\.opne: unknown key"):
        load_config(p)


def test_wrong_type_names_key(tmp_path):
    p = write(tmp_path, '[services]\ndata_port = "fifty"\n')
    with pytest.raises(ConfigError, match=r"\[services\]\.data_port: expected a port number"):
        load_config(p)


def test_bool_is_not_an_int(tmp_path):
    p = write(tmp_path, "[generator]\ndays = true\n")
    with pytest.raises(ConfigError, match=r"\[generator\]\.days"):
        load_config(p)


def test_bad_clock_timezone_and_syntax(tmp_path):
    with pytest.raises(ConfigError, match="HH:MM:SS"):
        load_config(write(tmp_path, '[session]\nopen = "9h30"\n'))
    with pytest.raises(ConfigError, match="unknown time zone"):
        load_config(write(tmp_path, '[session]\ntimezone = "Mars/Olympus"\n'))
    with pytest.raises(ConfigError, match=r"c\.toml"):
        load_config(write(tmp_path, "[data]\nroot = \n"))
    with pytest.raises(ConfigError, match="cannot open"):
        load_config(tmp_path / "missing.toml")


def test_session_bounds_follow_daylight_saving():
    cfg = load_config(DEMO)
    jan_open, jan_close = cfg.session.bounds_ns(dt.date(2024, 1, 2))
    jul_open, _ = cfg.session.bounds_ns(dt.date(2024, 7, 1))
    assert jan_open == 1704205800 * 10**9
    assert jul_open == 1719840600 * 10**9
    assert jan_close - jan_open == int(6.5 * 3600) * 10**9


def test_trading_days_skip_weekends(tmp_path):
    cfg = load_config(write(tmp_path, '[generator]\nstart_date = "2024-01-05"\ndays = 3\n'))
    assert cfg.trading_days() == [dt.date(2024, 1, 5), dt.date(2024, 1, 8), dt.date(2024, 1, 9)]


SET = '[[indicator_sets]]\nname = "s"\n[[indicator_sets.indicators]]\n'


@pytest.mark.parametrize("text, message", [
    (SET + 'kind = "sed"\n', r'indicator 1\.kind: unknown indicator kind "sed" \(known: ema_return, ofi, '),
    (SET + 'kind = "seed"\ntaus = [0.5, 2.0]\n',
     r"taus: item 1: expected a number in \[0, 1\], got a number 2\.0"),
    (SET + 'kind = "seed"\nbogus = 1\n',
     r'bogus: unknown parameter for kind "seed" \(known: lt_cont, name, taus\)'),
    ("[stats]\nridge_lambda = -1\n", r"\[stats\]\.ridge_lambda: expected a number >= 0, got an integer -1"),
    ("[stats]\nhorizons_ticks = [0]\n", r"\[stats\]\.horizons_ticks: item 0: expected an integer >= 1"),
])
def test_rejects_what_the_old_python_loader_accepted(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_empty_file_gives_schema_defaults_matching_the_dataclasses(tmp_path):
    """The dataclass defaults document the schema's; an empty file must produce exactly them."""
    from ticklab.config import FORMATS, GeneratorConfig, ServicesConfig, SessionConfig

    cfg = load_config(write(tmp_path, ""))
    assert cfg.session == SessionConfig()
    assert cfg.generator == GeneratorConfig()
    assert cfg.generator.formats == FORMATS == ("csv", "taq", "lobster", "dbn")
    assert cfg.services == ServicesConfig()
    assert cfg.data.store_dir == tmp_path / "data" / "store"
    assert cfg.stats.database == tmp_path / "data" / "stats.sqlite"
    assert cfg.stats.ridge_lambda == 1e-6


def test_indicator_parameters_are_kept_as_written(tmp_path):
    text = '[[indicator_sets]]\nname = "s"\nindicators = [{ kind = "seed", lt_cont = 8 }]\n'
    cfg = load_config(write(tmp_path, text))
    params = cfg.indicator_set("s").indicators[0].params
    assert params == {"lt_cont": 8} and isinstance(params["lt_cont"], int)


def test_docs_list_every_schema_key():
    from ticklab.config_schema import schema

    doc = (REPO / "docs" / "config.md").read_text()
    for table, keys in schema()["tables"].items():
        for key in keys:
            assert f"[{table}].{key}`" in doc or f"`{key}`" in doc, f"docs/config.md lacks [{table}].{key}"
