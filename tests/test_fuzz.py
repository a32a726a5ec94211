"""Property tests: no input, however broken or hostile, makes loading a brief raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefsite.brief import Brief
from briefsite.frontmatter import load_brief
from briefsite.problems import Problem
from briefsite.source import SourceFile, decode

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(data: bytes) -> Brief | list[Problem]:
    """The brief-loading path from raw bytes, as the pipeline runs it."""
    source = decode("briefs/fuzz.md", data)
    if isinstance(source, Problem):
        return [source]
    assert isinstance(source, SourceFile)
    return load_brief(source, "en")


def check(result: Brief | list[Problem]) -> None:
    """A result is a Brief, or a non-empty list of Problems placed inside the file."""
    if isinstance(result, Brief):
        return
    assert result and all(isinstance(p, Problem) for p in result)
    for problem in result:
        assert problem.path == "briefs/fuzz.md"
        assert problem.line >= 0 and problem.col >= 0


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    check(load(data))


@FUZZ
@given(st.binary(max_size=500))
def test_arbitrary_bytes_after_a_fence(data: bytes) -> None:
    check(load(b"---\n" + data + b"\n---\nbody\n"))


YAML_PIECES = st.sampled_from(
    [
        "title", "date", "summary", "slug", "topics", "figures", "value", "unit", "label",
        "source", ": ", ":", "\n", "  ", "- ", "[", "]", "{", "}", '"', "'", "&a ", "*a",
        "!!python/object/apply:os.system ", "!!str ", "!!binary ", "!foo ", "<<: ", "? ",
        "2020-02-30", "2020-03-26", "37.3", "1e400", ".nan", "~", "null", "yes", "\t", "#",
        "|", ">", "---", "...", "%YAML 1.1", "\ufeff", "\r\n", "é", "中文", "\x00",
    ]
)  # fmt: skip


@FUZZ
@given(st.lists(YAML_PIECES, max_size=60))
def test_yaml_shaped_front_matter(pieces: list[str]) -> None:
    text = "---\n" + "".join(pieces) + "\n---\n## Body\n"
    check(load(text.encode("utf-8", "surrogatepass")))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["title", "date", "summary", "slug", "topics", "status", "figures"]),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats()
            | st.text(max_size=20)
            | st.dates().map(str),
            lambda children: (
                st.lists(children, max_size=3)
                | st.dictionaries(st.text(max_size=8), children, max_size=3)
            ),
            max_leaves=10,
        ),
        max_size=7,
    )
)
def test_well_formed_yaml_with_arbitrary_values(data: dict[str, object]) -> None:
    import yaml

    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\nBody\n"
    check(load(text.encode("utf-8", "surrogatepass")))
