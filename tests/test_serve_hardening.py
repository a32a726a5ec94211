"""The preview server under hostile or heavy use."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_site
from test_serve import brief

from briefsite.cli import main, make_parser

# ---------------------------------------------------------------- the port


@pytest.mark.parametrize("port", ["70000", "65536", "-1", "-8000", "abc", "80.5", ""])
def test_a_port_out_of_range_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    site = write_site(tmp_path / "s", {"x.md": brief("Alpha")})
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--source", str(site), "--port", port])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --port: must be a whole number from 0 to 65535, not '{port}'" in err
    assert "usage:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("port", [0, 1, 8000, 65535])
def test_every_port_in_range_is_accepted(port: int) -> None:
    assert make_parser().parse_args(["serve", "--port", str(port)]).port == port
