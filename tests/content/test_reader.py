import datetime as dt
import os
from pathlib import Path

import pytest

from app.content.problems import ContentError
from app.content.reader import decode, read_article


def fixture(name: str) -> Path:
    return Path(__file__).parent.parent / "fixtures" / "articles" / name


def read(name: str):
    text, _ = decode(fixture(name).read_bytes())
    return read_article(text)


def read_error(name: str) -> ContentError:
    with pytest.raises(ContentError) as info:
        read(name)
    return info.value


# --- decode: bytes to text ---------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\n", b" \t\r\n  \n"])
def test_decode_empty_file(data):
    with pytest.raises(ContentError) as info:
        decode(data)
    assert info.value.line == 1
    assert "empty" in info.value.message


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\x00\x01\x02", 1),
        (b"---\ntitle: x\n\x00abc", 3),
        (b"one\ntwo\nthree\nfour \x00", 4),
    ],
)
def test_decode_nul_byte_is_binary(data, line):
    with pytest.raises(ContentError) as info:
        decode(data)
    assert "binary" in info.value.message
    assert info.value.line == line


def test_decode_nul_byte_after_8k_is_binary():
    data = b"word " * 2000 + b"\n\x00\n"
    with pytest.raises(ContentError) as info:
        decode(data)
    assert "binary" in info.value.message
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("data", "line", "byte"),
    [
        (b"caf\xe9\n", 1, "0xe9"),
        (b"---\ntitle: Caf\xe9\n---\n", 2, "0xe9"),
        (b"a\nb\nc\nd\xff\n", 4, "0xff"),
        (b"a\r\nb\r\n\xc3(", 3, "0xc3"),
    ],
)
def test_decode_invalid_utf8_names_line_and_byte(data, line, byte):
    with pytest.raises(ContentError) as info:
        decode(data)
    assert "UTF-8" in info.value.message
    assert byte in info.value.message
    assert info.value.line == line


def test_decode_invalid_utf8_after_bom_names_line_and_byte():
    with pytest.raises(ContentError) as info:
        decode(b"\xef\xbb\xbfab\n\xff\n")
    assert info.value.line == 2
    assert "0xff" in info.value.message


def test_decode_invalid_utf8_with_cr_newlines_names_line():
    with pytest.raises(ContentError) as info:
        decode(b"one\rtwo\rcaf\xe9\r")
    assert info.value.line == 3


def test_decode_removes_bom():
    text, notices = decode(b"\xef\xbb\xbf---\ntitle: x\n")
    assert text == "---\ntitle: x\n"
    assert notices == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\r\nb\r\n", "a\nb\n"),
        (b"a\rb\r", "a\nb\n"),
        (b"a\r\nb\rc\n", "a\nb\nc\n"),
        (b"\r\n\r\n", None),  # whitespace only: empty
    ],
)
def test_decode_normalises_newlines(data, expected):
    if expected is None:
        with pytest.raises(ContentError):
            decode(data)
    else:
        assert decode(data) == (expected, [])


def test_decode_repairs_mojibake_with_notice():
    text, notices = decode(fixture("mojibake.md").read_bytes())
    assert "It’s a long story — trust me." in text
    assert "â€" not in text
    [notice] = notices
    assert notice.line == 5
    assert "mojibake" in notice.message
    assert "UTF-8" in notice.hint


@pytest.mark.parametrize(
    "text",
    [
        "“Curly quotes” and ‘single’ ones",
        "Salt &amp; pepper, &lt;b&gt; stays escaped",
        "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３",
        "The ﬁrst ﬂoor",
        "naïve café, Straße, Ελληνικά, 日本語, emoji 🎉",
        "Em — dash and en – dash… ellipsis",
        "e\u0301 decomposed stays decomposed",
    ],
)
def test_decode_leaves_clean_text_alone(text):
    data = f"---\ntitle: x\n---\n{text}\n".encode()
    assert decode(data) == (f"---\ntitle: x\n---\n{text}\n", [])


# --- read_article: frontmatter and body --------------------------------------------------


def test_house_format_unquoted_colon_keeps_title():
    raw = read("house_format_unquoted_colon.md")
    assert raw.meta["title"] == "Sourdough: The Long Game"
    assert raw.meta["date"] == "2024-03-09"
    assert raw.meta["tags"] == "baking, bread"
    [notice] = raw.notices
    assert notice.line == 2
    assert 'title: "Sourdough: The Long Game"' in notice.hint
    assert "quote" in notice.hint


def test_valid_yaml():
    raw = read("yaml_lists_and_description.md")
    assert raw.notices == []
    assert raw.meta["title"] == "Ten Days on the Ridgeway"
    assert raw.meta["categories"] == ["Travel", "Walking"]
    assert raw.meta["tags"] == ["hiking", "England", " Hiking ", "long distance"]
    assert raw.meta["draft"] is False
    assert raw.body == "\nThe path begins at Overton Hill, beside a busy road.\n"


def test_yaml_dates_stay_strings():
    raw = read("yaml_lists_and_description.md")
    assert raw.meta["date"] == "2023-06-18 07:45:00 +0100"


@pytest.mark.parametrize(
    ("key", "value"),
    [("country", "no"), ("answer", "yes"), ("draft", False), ("featured", True)],
)
def test_only_true_and_false_are_booleans(key, value):
    raw = read("yaml_booleans.md")
    assert raw.meta[key] == value
    assert type(raw.meta[key]) is type(value)


def test_toml_frontmatter():
    raw = read("toml_frontmatter.md")
    assert raw.meta["title"] == "Notes on Tide Tables"
    assert raw.meta["date"] == dt.datetime(
        2022, 11, 3, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert raw.meta["lastmod"] == dt.date(2022, 11, 5)
    assert raw.meta["tags"] == ["sea", "almanac"]
    assert raw.meta["draft"] is True
    assert raw.meta["params"] == {"mood": "salty"}
    assert raw.body_line == 10  # the closing +++ line
    assert raw.body.strip() == "High water came forty minutes late this morning."


def test_duplicate_keys_name_key_and_both_lines():
    error = read_error("duplicate_keys.md")
    assert error.line == 4
    assert "'title'" in error.message
    assert "line 2" in error.message


def test_duplicate_keys_hint_does_not_suggest_quoting():
    error = read_error("duplicate_keys.md")
    assert "quote" not in error.hint


def test_duplicate_nested_keys():
    with pytest.raises(ContentError) as info:
        read_article("---\ntitle: x\nauthor:\n  name: A\n  name: B\n---\nbody\n")
    assert info.value.line == 5
    assert "'name'" in info.value.message
    assert "line 4" in info.value.message


def test_python_tag_is_rejected_without_running(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command))
    error = read_error("python_tag.md")
    assert error.line == 4
    assert error.message.startswith("invalid YAML frontmatter: ")  # then PyYAML's words
    assert calls == []


def test_python_tag_on_one_line_is_rejected(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command))
    error = read_error("python_tag_inline.md")
    assert error.line == 4
    assert error.message.startswith("invalid YAML frontmatter: ")
    assert calls == []


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("invalid_yaml.md", 5, "invalid YAML"),
        ("invalid_toml.md", 4, "invalid TOML"),
    ],
)
def test_invalid_frontmatter_names_file_line(name, line, words):
    error = read_error(name)
    assert error.line == line
    assert words in error.message
    assert error.hint


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("---\ntitle: t\ndeep: " + "[" * 51 + "]" * 51 + "\n---\n", 3),
        ("---\ntitle: t\ndeep: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n---\n", 3),
        ('+++\ntitle = "t"\ndeep = ' + "[" * 10_000 + "]" * 10_000 + "\n+++\n", 3),
        ("---\ntitle: t\ndeep:\n" + "  [\n" * 60 + "---\n", 54),
    ],
    ids=["yaml_lists_past_the_limit", "yaml_mappings_10000_deep", "toml_arrays_10000_deep",
         "yaml_brackets_across_lines"],
)
def test_frontmatter_nested_too_deeply_is_refused_before_parsing(text, line):
    """Folio's limit (values.MAX_DEPTH), whichever YAML or TOML parser is installed: they
    each fail differently, or not at all, on thousands of brackets."""
    with pytest.raises(ContentError) as info:
        read_article(text)
    assert (info.value.line, info.value.message) == (line, "deep: nested more than 50 levels "
                                                           "deep")


def test_frontmatter_nested_to_the_limit_is_read():
    value = read_article("---\ntitle: t\ndeep: " + "[" * 50 + "]" * 50 + "\n---\n").meta["deep"]
    levels = 0
    while isinstance(value, list):
        levels, value = levels + 1, value[0] if value else None
    assert levels == 50


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("---\ntitle: x\n\tdate: 2024-01-01\n---\nbody\n", 3),
        ("---\ntitle: x\ndate: 2024-01-01\nauthor:\n  name: A\n    bad: 1\n---\nbody\n", 6),
        ('+++\ntitle = "x"\ntitle = "y"\n+++\nbody\n', 3),
        ('+++\ntitle = "x"\n\n\ndate = 2024-13-01\n+++\nbody\n', 5),
    ],
)
def test_invalid_frontmatter_inline_cases(text, line):
    with pytest.raises(ContentError) as info:
        read_article(text)
    assert info.value.line == line
    assert "invalid" in info.value.message


@pytest.mark.parametrize(
    ("name", "line"),
    [("invalid_yaml_unclosed_bracket.md", 3), ("invalid_yaml_unclosed_quote.md", 2)],
)
def test_unclosed_bracket_or_quote_names_opening_line(name, line):
    error = read_error(name)
    assert error.line == line


@pytest.mark.parametrize("name", ["invalid_yaml_unclosed_bracket.md",
                                  "invalid_yaml_unclosed_quote.md"])
def test_unclosed_bracket_or_quote_is_an_error(name):
    error = read_error(name)
    assert "invalid YAML" in error.message


@pytest.mark.parametrize(
    ("value", "plain", "notice_line"),
    [
        ("[a, b", None, None),
        ("{a: 1", None, None),
        ('"half quoted', None, None),
        ("|", None, None),
        ("Dogs: Good", "Dogs: Good", 2),
        ('"Cats: Also Good"', "Cats: Also Good", 4),
        ("Q&A: Part 2", "Q&A: Part 2", 2),
    ],
)
def test_plain_line_fallback_only_for_plain_values(value, plain, notice_line):
    text = f"---\ntitle: {value}\ndate: 2024-01-01\nnote: a: b\n---\nbody\n"
    if plain is None:
        with pytest.raises(ContentError) as info:
            read_article(text)
        assert "invalid YAML" in info.value.message
    else:
        raw = read_article(text)
        assert raw.meta == {"title": plain, "date": "2024-01-01", "note": "a: b"}
        assert [n.line for n in raw.notices] == [notice_line]


def test_no_frontmatter():
    error = read_error("no_frontmatter.md")
    assert error.line == 1
    assert "no frontmatter" in error.message
    assert "---" in error.hint


def test_unclosed_frontmatter():
    error = read_error("unclosed_frontmatter.md")
    assert error.line == 1
    assert "never closed" in error.message
    assert "---" in error.hint


def test_unclosed_toml_frontmatter():
    with pytest.raises(ContentError) as info:
        read_article('+++\ntitle = "x"\n\nbody\n')
    assert "never closed" in info.value.message
    assert "+++" in info.value.hint


def test_top_level_list():
    error = read_error("top_level_list.md")
    assert error.line == 2
    assert "list" in error.message


def test_empty_frontmatter_is_an_empty_mapping():
    raw = read_article("---\n---\nbody\n")
    assert raw.meta == {}
    assert raw.body_line == 2


@pytest.mark.parametrize(
    ("text", "first_text_line"),
    [
        ("---\ntitle: x\n---\nbody\n", 4),
        ("---\ntitle: x\ndate: 2024-01-01\n---\n\n\nbody\n", 7),
        ('+++\ntitle = "x"\n+++\nbody\n', 4),
        ("---\ntitle: x\n---\n\n# Heading\n\n---\n\nmore\n", 5),
        ("---   \ntitle: x\n---  \n  indented\n", 4),
    ],
)
def test_body_line(text, first_text_line):
    # body_line is the file line of the body's first line, so body line n is file line
    # body_line + n - 1: here, the first line with text.
    raw = read_article(text)
    body_lines = raw.body.split("\n")
    offset = next(i for i, line in enumerate(body_lines) if line.strip())
    assert raw.body_line + offset == first_text_line
    assert text.split("\n")[first_text_line - 1] == body_lines[offset]


def test_body_keeps_later_horizontal_rules():
    raw = read_article("---\ntitle: x\n---\nabove\n\n---\n\nbelow\n")
    assert raw.body == "\nabove\n\n---\n\nbelow\n"


def test_key_lines():
    raw = read("yaml_lists_and_description.md")
    assert raw.key_lines == {
        "title": 2, "date": 3, "description": 4, "categories": 5, "tags": 8,
        "read_time": 13, "draft": 14,
    }
    assert raw.line_of("tags") == 8
    assert raw.line_of("nonexistent") == 1


def test_key_lines_toml():
    raw = read("toml_frontmatter.md")
    assert raw.key_lines["title"] == 2
    assert raw.key_lines["draft"] == 6
    assert raw.key_lines["mood"] == 9


def test_key_lines_after_blank_line():
    raw = read("blank_line_after_opening.md")
    assert raw.meta["title"] == "Airy Header"
    assert raw.key_lines == {"title": 3, "date": 4}


def test_a_foreign_sites_repeated_key_takes_the_last_value_with_a_warning():
    raw = read_article("---\ntitle: First\ndate: 2024-01-01\ntitle: Second\n---\nText.\n",
                       foreign=True)
    assert raw.meta["title"] == "Second"
    assert [(n.line, n.message) for n in raw.notices] == [
        (4, "title: given twice (first on line 2); the last value is taken, as the site's "
            "engine does")]
