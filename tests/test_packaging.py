"""briefsite as a repository of briefs installs it: a wheel and sdist built from the checkout
(`python -m build --no-isolation`, offline), checked by twine, installed into a virtualenv
that cannot see the checkout, and run there as the `briefsite` command."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import GOOD_BRIEF, REPO, venv_env, wheel_in, write_site

import briefsite
from briefsite import init


def in_venv(venv: Path, *command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command run with the virtualenv activated, from `cwd` (never the checkout)."""
    return subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=venv_env(venv),
        timeout=120,
    )


@pytest.mark.slow
def test_the_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    files = sorted(dist.iterdir())
    assert [f.name for f in files] == [
        f"briefsite-{briefsite.__version__}-py3-none-any.whl",
        f"briefsite-{briefsite.__version__}.tar.gz",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
        capture_output=True,
        text=True,
        cwd=dist,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


@pytest.mark.slow
def test_wheel_carries_the_templates_the_command_and_the_version(dist: Path) -> None:
    wheel = zipfile.ZipFile(wheel_in(dist))
    names = set(wheel.namelist())
    for template in (REPO / "templates").rglob("*"):
        if template.is_file():
            rel = template.relative_to(REPO / "templates").as_posix()
            assert f"briefsite/templates/{rel}" in names
    assert "briefsite/init.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "briefsite = briefsite.__main__:main" in wheel.read(entry).decode()
    metadata_file = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = email.message_from_bytes(wheel.read(metadata_file))
    assert metadata["Version"] == briefsite.__version__
    # The sdist a `git+https://…@tag` install builds from holds the templates too.
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        assert f"briefsite-{briefsite.__version__}/templates/brief.html" in tar.getnames()


def test_the_version_is_written_in_one_place() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "briefsite.__version__"}
    assert init.tag() == f"v{briefsite.__version__}"
    assert init.requirement().endswith(f"@{init.tag()}")


@pytest.mark.slow
def test_the_installed_command_builds_a_site_with_its_own_templates(
    installed: Path, tmp_path: Path
) -> None:
    where = in_venv(installed, "python", "-c", "import briefsite; print(briefsite.__file__)",
                    cwd=tmp_path)  # fmt: skip
    assert where.stdout.startswith(str(installed)), where.stdout + where.stderr

    helped = in_venv(installed, "briefsite", "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: briefsite [-h]"), helped.stdout
    assert "Run 'briefsite COMMAND --help'" in helped.stdout
    assert "build.py" not in helped.stdout
    version = in_venv(installed, "briefsite", "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"briefsite {briefsite.__version__}"
    module = in_venv(installed, "python", "-m", "briefsite", "--help", cwd=tmp_path)
    assert module.stdout.startswith("usage: python -m briefsite [-h]"), module.stdout

    site = write_site(tmp_path / "s", {"land-offer.md": GOOD_BRIEF})
    built = in_venv(installed, "briefsite", "build", cwd=site)
    assert built.returncode == 0, built.stderr
    page = (site / "site" / "briefs" / "land-offer" / "index.html").read_text(encoding="utf-8")
    assert "<h1" in page and "Land offer" in page
    assert len(list((site / "site" / "assets").glob("site.*.css"))) == 1
    new = in_venv(installed, "briefsite", "new", "Second brief", cwd=site)
    assert new.returncode == 0, new.stderr
    assert "preview it with 'briefsite serve'" in new.stdout
