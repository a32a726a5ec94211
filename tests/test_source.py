"""`source`: reading brief files into normalised text, and placing offsets as line:column."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefsite import source
from briefsite.problems import error
from briefsite.source import (
    SourceFile,
    decode,
    display_path,
    find_briefs,
    make_source,
    read_brief,
)

UTF8_HINT = "save the file with UTF-8 encoding (most editors offer it under 'Save with encoding')"


# ------------------------------------------------------------------ make_source


def test_make_source_drops_a_leading_bom():
    source = make_source("briefs/a.md", "\ufeff---\ntitle: A\n")
    assert source.text == "---\ntitle: A\n"


def test_make_source_keeps_a_bom_that_is_not_at_the_start():
    source = make_source("briefs/a.md", "a\ufeffb")
    assert source.text == "a\ufeffb"


def test_make_source_turns_crlf_and_cr_into_lf():
    source = make_source("briefs/a.md", "one\r\ntwo\rthree\nfour")
    assert source.text == "one\ntwo\nthree\nfour"


def test_make_source_records_where_each_line_starts():
    source = make_source("briefs/a.md", "ab\r\ncde\n\nf")
    assert source.line_starts == (0, 3, 7, 8)


def test_make_source_keeps_the_display_path():
    assert make_source("briefs/sub/a.md", "x").path == "briefs/sub/a.md"


@pytest.mark.parametrize(
    ("offset", "place"),
    [
        (0, (1, 1)),  # 'a'
        (1, (1, 2)),  # 'b'
        (2, (1, 3)),  # the newline ends line 1
        (3, (2, 1)),  # 'c'
        (7, (3, 1)),  # the empty line
        (8, (4, 1)),  # 'f'
        (9, (4, 2)),  # just past the end
    ],
)
def test_position_is_one_based_line_and_column(offset, place):
    source = make_source("briefs/a.md", "ab\ncde\n\nf")
    assert source.position(offset) == place


def test_position_counts_columns_after_crlf_was_normalised():
    source = make_source("briefs/a.md", "---\r\ntitle: A\r\ndate: March\r\n")
    offset = source.text.index("March")
    assert source.position(offset) == (3, 7)


def test_stem_is_nfc_without_suffix():
    source = make_source("briefs/cafe\u0301.md", "x")
    assert source.stem == "caf\u00e9"


# ------------------------------------------------------------------ decode


def test_decode_returns_source_for_valid_utf8():
    source = decode("briefs/a.md", "---\r\ntitle: km²\r\n".encode())
    assert isinstance(source, SourceFile)
    assert source.text == "---\ntitle: km²\n"


def test_decode_strips_utf8_bom():
    source = decode("briefs/a.md", b"\xef\xbb\xbf---\n")
    assert isinstance(source, SourceFile)
    assert source.text == "---\n"


def test_decode_places_invalid_byte_by_line_column_and_offset():
    data = b"---\ntitle: Land offer\nsummary: Caf\xff land.\n"
    assert decode("briefs/a.md", data) == error(
        "briefs/a.md", 3, 13, "file is not valid UTF-8: byte 0xff at offset 34", UTF8_HINT
    )


def test_decode_places_invalid_byte_on_the_first_line():
    assert decode("briefs/a.md", b"ab\xc3(") == error(
        "briefs/a.md", 1, 3, "file is not valid UTF-8: byte 0xc3 at offset 2", UTF8_HINT
    )


def test_decode_reports_only_the_first_invalid_byte():
    problem = decode("briefs/a.md", b"a\nb\x80\nc\xff\n")
    assert problem == error(
        "briefs/a.md", 2, 2, "file is not valid UTF-8: byte 0x80 at offset 3", UTF8_HINT
    )


def test_decode_invalid_byte_after_crlf_is_placed_on_its_line():
    data = b"---\r\ntitle: \xe9t\xe9\r\n"
    assert decode("briefs/a.md", data) == error(
        "briefs/a.md", 2, 8, "file is not valid UTF-8: byte 0xe9 at offset 12", UTF8_HINT
    )


def test_decode_column_counts_characters_not_bytes():
    # "title: 土地 " is 10 characters but 14 bytes: editors count the characters.
    data = "---\ntitle: 土地 ".encode() + b"\xff\n"
    problem = decode("briefs/a.md", data)
    assert (problem.line, problem.col) == (2, 11)
    assert problem.message == "file is not valid UTF-8: byte 0xff at offset 18"


def test_decode_counts_lines_ending_in_a_lone_cr():
    # make_source treats a lone CR as a line break, so the decode error must agree.
    problem = decode("briefs/a.md", b"---\rtitle: \xff\r")
    assert (problem.line, problem.col) == (2, 8)


# ------------------------------------------------------------------ read_brief


def test_read_brief_reads_and_shows_path_relative_to_site(tmp_path):
    path = tmp_path / "briefs" / "sub" / "a.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"---\r\ntitle: A\r\n")
    source = read_brief(tmp_path, path, 100)
    assert isinstance(source, SourceFile)
    assert (source.path, source.text) == ("briefs/sub/a.md", "---\ntitle: A\n")


def test_read_brief_accepts_a_file_of_exactly_the_limit(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"x" * 10)
    assert isinstance(read_brief(tmp_path, path, 10), SourceFile)


def test_read_brief_refuses_a_file_over_the_limit(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"x" * 1001)
    assert read_brief(tmp_path, path, 1000) == error(
        "a.md",
        0,
        0,
        "file is larger than the limit of 1,000 bytes",
        "split the brief, or raise 'max_brief_bytes' in site.yml",
    )


def test_read_brief_reports_a_file_that_cannot_be_opened(tmp_path):
    assert read_brief(tmp_path, tmp_path / "briefs" / "gone.md", 100) == error(
        "briefs/gone.md", 0, 0, "cannot read file: No such file or directory"
    )


def test_read_brief_reports_invalid_utf8_at_its_place(tmp_path):
    path = tmp_path / "briefs" / "a.md"
    path.parent.mkdir()
    path.write_bytes(b"---\ntitle: \xff\n")
    assert read_brief(tmp_path, path, 100) == error(
        "briefs/a.md", 2, 8, "file is not valid UTF-8: byte 0xff at offset 11", UTF8_HINT
    )


# ------------------------------------------------------------------ find_briefs


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x", encoding="utf-8")
    return path


def test_find_briefs_lists_md_files_sorted_including_subfolders(tmp_path):
    for name in ("b.md", "a.md", "sub/c.md", "notes.txt", ".hidden.md", ".git/x.md"):
        touch(tmp_path / "briefs" / name)
    found, problems = find_briefs(tmp_path, "briefs")
    assert problems == []
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "briefs/a.md",
        "briefs/b.md",
        "briefs/sub/c.md",
    ]


def test_find_briefs_reports_a_missing_folder(tmp_path):
    assert find_briefs(tmp_path, "briefs") == (
        [],
        [
            error(
                "briefs",
                0,
                0,
                "the briefs folder does not exist",
                "create 'briefs/' and put one Markdown file per brief in it",
            )
        ],
    )


def test_find_briefs_refuses_a_link_leaving_the_folder(tmp_path):
    secret = touch(tmp_path / "secret.md")
    touch(tmp_path / "briefs" / "a.md")
    (tmp_path / "briefs" / "leak.md").symlink_to(secret)
    found, problems = find_briefs(tmp_path, "briefs")
    assert [p.name for p in found] == ["a.md"]
    assert problems == [
        error(
            "briefs/leak.md",
            0,
            0,
            "refusing to follow symbolic link: it points outside the briefs folder",
            "copy the file into the briefs folder instead of linking to it",
        )
    ]


def test_find_briefs_follows_a_link_inside_the_folder(tmp_path):
    touch(tmp_path / "briefs" / "a.md")
    (tmp_path / "briefs" / "alias.md").symlink_to(tmp_path / "briefs" / "a.md")
    found, problems = find_briefs(tmp_path, "briefs")
    assert problems == []
    assert [p.name for p in found] == ["a.md", "alias.md"]


def test_find_briefs_reports_a_link_loop(tmp_path):
    touch(tmp_path / "briefs" / "a.md")
    (tmp_path / "briefs" / "loop.md").symlink_to(tmp_path / "briefs" / "loop.md")
    found, problems = find_briefs(tmp_path, "briefs")
    assert [p.name for p in found] == ["a.md"]
    assert [(p.path, p.message) for p in problems] == [
        ("briefs/loop.md", "refusing to follow symbolic link: it is part of a link loop")
    ]


_PARTS = st.sampled_from(["briefs", "a b", "x.md", ".", "..", "", ".hidden", "报告", "b-1"])


@given(parts=st.lists(_PARTS, min_size=1, max_size=5), root=st.sampled_from([".", "site", "/s"]))
def test_display_path_is_the_path_relative_to_the_site_as_pathlib_gives_it(parts, root):
    # The shortcuts taken for speed (ten thousand briefs are named in every build) must give
    # what `Path.relative_to` gives, for paths given relative to the working folder too.
    text = "/".join(parts)
    for path in (text, f"{root}/{text}"):
        try:
            expected = Path(path).relative_to(root).as_posix()
        except ValueError:
            expected = Path(path).as_posix()
        assert display_path(Path(root), path) == expected


_TRICKY = "a\t\n\r\x00\x08\x0b\x1f\x7f\x80\x9f\xa0é²\ufdcf\ufdd0\ufdef\ufdf0\ufffd\ufffe\uffff"
_TRICKY += "\U00010000\U0001fffd\U0001fffe\U0001ffff\U0010fffe\U0010ffff"


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=30), st.integers(0, 31))
def test_invisible_characters_are_found_as_the_whole_class_finds_them(text, start):
    # Text without astral characters is searched with the class's part below U+10000 (a
    # table lookup); the answer must be the whole class's, with astral characters or not.
    whole = [m.start() for m in source._INVISIBLE.finditer(text, start)]
    assert source.invisible_offsets(text, start) == whole
