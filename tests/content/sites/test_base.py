"""What every engine's reader shares (app.content.sites.base): reading the configuration."""

from pathlib import Path

import pytest

from app.content import sites
from app.content.sites import ConfigError
from app.content.sites.base import MAX_CONFIG_BYTES

CONFIG_FILES = ["_config.yml", "hugo.toml", "hugo.yaml", "pelicanconf.py"]


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_a_configuration_that_is_not_utf8_stops_the_import_naming_it(
        tmp_path: Path, name: str) -> None:
    # Jekyll's was read with the bad bytes replaced, the other engines' refused.
    (tmp_path / name).write_bytes(b"title = \"Caf\xe9\"\n")
    with pytest.raises(ConfigError) as refused:
        sites.detect(tmp_path)
    assert (refused.value.config_file, refused.value.line) == (name, 1)
    assert refused.value.message == "it is not UTF-8"


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_a_configuration_over_a_megabyte_is_some_other_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"# " + b"x" * MAX_CONFIG_BYTES + b"\n")
    with pytest.raises(ConfigError, match="over 1 MB"):
        sites.detect(tmp_path)


def test_windows_newlines_are_read_as_newlines(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_bytes(b"title: Blog\r\ntimezone: Europe/Paris\r\n")
    assert sites.detect(tmp_path).overrides["timezone"] == "Europe/Paris"
