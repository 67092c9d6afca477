import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.content.metadata import MetaSettings, normalise
from app.content.problems import InvalidArticle
from app.content.reader import decode, read_article
from app.content.sites import SiteSource

BERLIN = MetaSettings(timezone="Europe/Berlin", default_author="Site Owner")


def fixture(name: str) -> Path:
    return Path(__file__).parent.parent / "fixtures" / "articles" / name


def load(name: str, settings: MetaSettings = BERLIN):
    text, _ = decode(fixture(name).read_bytes())
    return normalise(read_article(text), name, settings)


def meta_of(frontmatter: str, filename: str = "post.md", settings: MetaSettings = BERLIN):
    """Normalise a YAML frontmatter block given as its lines (without the --- lines)."""
    raw = read_article(f"---\n{frontmatter}---\nSome text.\n")
    return normalise(raw, filename, settings)


def errors_of(frontmatter: str, filename: str = "post.md") -> list[tuple[int, str]]:
    with pytest.raises(InvalidArticle) as info:
        meta_of(frontmatter, filename)
    return [(error.line, error.message) for error in info.value.errors]


BASE = "title: Sample\ndate: 2024-01-01\n"


# --- required fields ---------------------------------------------------------------------


def test_missing_title():
    with pytest.raises(InvalidArticle) as info:
        load("missing_title.md")
    [error] = info.value.errors
    assert error.message == "missing title"
    assert error.line == 1
    assert "title:" in error.hint


def test_missing_date():
    with pytest.raises(InvalidArticle) as info:
        load("missing_date.md")
    [error] = info.value.errors
    assert error.message == "missing date"
    assert error.line == 1
    assert "YYYY-MM-DD" in error.hint


def test_missing_title_and_date_reported_together():
    with pytest.raises(InvalidArticle) as info:
        load("missing_title_and_date.md")
    assert [(e.line, e.message) for e in info.value.errors] == [
        (1, "missing title"), (1, "missing date")]
    assert "missing title" in str(info.value)
    assert "missing date" in str(info.value)


def test_impossible_date_names_date_line():
    with pytest.raises(InvalidArticle) as info:
        load("impossible_date.md")
    [error] = info.value.errors
    assert error.line == 3
    assert error.message.startswith("date:")
    assert "2026-02-30" in error.message
    assert "impossible" in error.message


def test_all_field_errors_collected_with_their_lines():
    assert errors_of("draft: true\ntitle: [a, b]\ndate: 2026-13-01\n") == [
        (3, "title: must be text"),
        (4, "date: '2026-13-01' is an impossible date (month must be in 1..12)"),
    ]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("yesterday", "not a date"),
        ("2024-01-01 10:00 +2500", "impossible offset"),
        ("2024-02-30 10:00", "impossible date"),
        ("2024-01-01 25:00", "impossible date"),
        ("2024-01-01 10:00 2019", "not a date"),
    ],
)
def test_unreadable_dates(value, words):
    [(line, message)] = errors_of(f"title: x\ndate: {value}\n")
    assert line == 3
    assert words in message


@pytest.mark.parametrize(
    ("length", "ok"),
    [(500, True), (501, False)],
)
def test_title_length_limit(length, ok):
    frontmatter = f"title: {'a' * length}\ndate: 2024-01-01\n"
    if ok:
        assert meta_of(frontmatter)[0].title == "a" * length
    else:
        [(line, message)] = errors_of(frontmatter)
        assert line == 2
        assert "501 characters" in message


@pytest.mark.parametrize("title", ["''", "'   '"])
def test_empty_title(title):
    assert errors_of(f"title: {title}\ndate: 2024-01-01\n") == [(2, "title: is empty")]


def test_title_whitespace_collapsed():
    assert meta_of("title: '  Too   many\tspaces '\ndate: 2024-01-01\n")[0].title == (
        "Too many spaces")


def test_house_format_title_with_colon():
    meta, _ = load("house_format_unquoted_colon.md")
    assert meta.title == "Sourdough: The Long Game"
    assert meta.author == "Mira Okafor"
    assert meta.tags == ["baking", "bread"]


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # a bare date is midnight in the blog's time zone (CET in January)
        ("2026-01-15", datetime(2026, 1, 14, 23, 0, tzinfo=UTC)),
        # summer: CEST
        ("2024-07-01", datetime(2024, 6, 30, 22, 0, tzinfo=UTC)),
        ("2018-09-19 18:00:00 +0530", datetime(2018, 9, 19, 12, 30, tzinfo=UTC)),
        ("'2013-05-08 23:46:11 +0200'", datetime(2013, 5, 8, 21, 46, 11, tzinfo=UTC)),
        ('"2013-05-08 23:46:11 +02:00"', datetime(2013, 5, 8, 21, 46, 11, tzinfo=UTC)),
        ("2019-03-05T10:00:00Z", datetime(2019, 3, 5, 10, 0, tzinfo=UTC)),
        ("2019-03-05T10:00:00.250-05:00", datetime(2019, 3, 5, 15, 0, 0, 250000, tzinfo=UTC)),
        # naive time: read in the blog's time zone
        ("2024-01-15 12:30", datetime(2024, 1, 15, 11, 30, tzinfo=UTC)),
        ("2024-01-15 12:30:45", datetime(2024, 1, 15, 11, 30, 45, tzinfo=UTC)),
        ("2024-01-15 12:30 UTC", datetime(2024, 1, 15, 12, 30, tzinfo=UTC)),
        ("2024/1/5", datetime(2024, 1, 4, 23, 0, tzinfo=UTC)),
        # git and Ruby's Time.parse
        ("2023-01-29 18:30:22 2023 -0800", datetime(2023, 1, 30, 2, 30, 22, tzinfo=UTC)),
        ("Sun, 2023-01-29 18:30:22 -0800", datetime(2023, 1, 30, 2, 30, 22, tzinfo=UTC)),
    ],
)
def test_date_forms(value, expected):
    meta, _ = meta_of(f"title: x\ndate: {value}\n")
    assert meta.published_at == expected
    assert meta.published_at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("toml_date", "expected"),
    [
        ("2024-01-15", datetime(2024, 1, 14, 23, 0, tzinfo=UTC)),
        ("2024-01-15T12:00:00", datetime(2024, 1, 15, 11, 0, tzinfo=UTC)),
        ("2024-01-15T12:00:00-05:00", datetime(2024, 1, 15, 17, 0, tzinfo=UTC)),
        ("2024-01-15 12:00:00Z", datetime(2024, 1, 15, 12, 0, tzinfo=UTC)),
    ],
)
def test_toml_native_dates(toml_date, expected):
    raw = read_article(f'+++\ntitle = "x"\ndate = {toml_date}\n+++\nText.\n')
    meta, _ = normalise(raw, "post.md", BERLIN)
    assert meta.published_at == expected


def test_toml_frontmatter_fixture():
    meta, notices = load("toml_frontmatter.md")
    assert notices == []
    assert meta.title == "Notes on Tide Tables"
    assert meta.published_at == datetime(2022, 11, 3, 4, 30, tzinfo=UTC)
    assert meta.updated_at == datetime(2022, 11, 4, 23, 0, tzinfo=UTC)
    assert meta.tags == ["sea", "almanac"]
    assert meta.draft is True
    assert meta.extra == {"params": {"mood": "salty"}}


def test_jekyll_offset_date():
    meta, _ = load("jekyll_offset_date.md")
    assert meta.published_at == datetime(2018, 9, 19, 12, 30, tzinfo=UTC)
    assert meta.extra == {"layout": "post"}


def test_time_zone_setting_applies_to_naive_dates():
    tokyo = MetaSettings(timezone="Asia/Tokyo")
    meta, _ = meta_of(BASE, settings=tokyo)
    assert meta.published_at == datetime(2023, 12, 31, 15, 0, tzinfo=UTC)


def test_date_from_file_name():
    meta, _ = load("2024-05-01-dated-file-name.md")
    assert meta.published_at == datetime(2024, 4, 30, 22, 0, tzinfo=UTC)
    assert meta.slug == "dated-file-name"


def test_frontmatter_date_wins_over_file_name():
    meta, _ = meta_of(BASE, filename="2020-02-02-old-name.md")
    assert meta.published_at == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert meta.slug == "old-name"


def test_impossible_file_name_date():
    [(line, message)] = errors_of("title: x\n", filename="2024-02-30-leap.md")
    assert line == 1
    assert message.startswith("file name date:")


@pytest.mark.parametrize("key", ["updated", "lastmod", "last_modified_at", "modified"])
def test_updated_keys(key):
    meta, _ = meta_of(BASE + f"{key}: 2024-02-01 10:00\n")
    assert meta.updated_at == datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


def test_no_updated_date():
    assert meta_of(BASE)[0].updated_at is None


# --- slugs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frontmatter", "filename", "slug"),
    [
        (BASE + "slug: My Custom Slug\n", "2024-05-01-file-name.md", "my-custom-slug"),
        (BASE, "2024-05-01-file-name.md", "file-name"),
        (BASE, "Some File_Name.md", "some-file-name"),
        ("title: Hello, World!\ndate: 2024-01-01\n", "🎉🎉.md", "hello-world"),
        ("title: Hello, World!\ndate: 2024-01-01\n", "2024-01-01-🎉.md", "hello-world"),
        (BASE + "slug: '!!!'\n", "fallback.md", "fallback"),
    ],
)
def test_slug_precedence(frontmatter, filename, slug):
    assert meta_of(frontmatter, filename)[0].slug == slug


def test_slug_with_no_letters_warns():
    meta, notices = meta_of(BASE + "slug: '???'\n", "real-name.md")
    assert meta.slug == "real-name"
    [notice] = notices
    assert notice.line == 4
    assert "slug" in notice.message


def test_slug_never_empty():
    meta, _ = meta_of("title: 🎉🚀\ndate: 2024-01-01\n", "✨.md")
    assert re.fullmatch(r"post-[0-9a-f]{8}", meta.slug)
    # stable: the same file gives the same slug
    assert meta_of("title: 🎉🚀\ndate: 2024-01-01\n", "✨.md")[0].slug == meta.slug


@pytest.mark.parametrize("filename", ["Ünïcödé Straße.md", "C++ Tips.md", "ÀÉÎ.md"])
def test_slug_is_lower_case_ascii(filename):
    slug = meta_of(BASE, filename)[0].slug
    assert slug
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)


# --- tags, category, excerpt -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("' Python , python, Web Dev ,web-dev, ,Flask'", ["Python", "Web Dev", "Flask"]),
        ("[Python, ' python ', Best Practices, best_practices]", ["Python", "Best Practices"]),
        ("\n  - one\n  -   two  \n  - ONE\n", ["one", "two"]),
        ("single", ["single"]),
        ("2024", ["2024"]),
        ("[C, C++, 'C#']", ["C", "C++", "C#"]),
        ("['🎉', ok]", ["ok"]),
    ],
)
def test_tags(tags, expected):
    assert meta_of(BASE + f"tags: {tags}\n")[0].tags == expected


def test_tags_from_fixture_keep_first_spelling():
    meta, notices = load("yaml_lists_and_description.md")
    assert notices == []
    assert meta.tags == ["hiking", "England", "long distance"]


def test_no_tags():
    assert meta_of(BASE)[0].tags == []


@pytest.mark.parametrize(
    ("frontmatter", "category"),
    [
        ("categories: [Travel, Food]\n", "Travel"),
        ("categories:\n  - ''\n  - Food\n", "Food"),
        ("category: ' Long   Reads '\n", "Long Reads"),
        ("categories: Travel, Food\n", "Travel"),
        ("category: '🎉'\n", None),
        ("", None),
    ],
)
def test_category(frontmatter, category):
    assert meta_of(BASE + frontmatter)[0].category == category


@pytest.mark.parametrize(
    ("frontmatter", "excerpt"),
    [
        ("description: Walking an old   chalk road.\n", "Walking an old chalk road."),
        ("summary: A summary.\n", "A summary."),
        ("summary: S.\nexcerpt: E.\ndescription: D.\n", "E."),
        ("description: D.\nsummary: S.\n", "D."),
        ("excerpt: ''\n", None),
        ("", None),
    ],
)
def test_excerpt(frontmatter, excerpt):
    assert meta_of(BASE + frontmatter)[0].excerpt == excerpt


# --- draft, read time, author, image, aliases --------------------------------------------


@pytest.mark.parametrize(
    ("frontmatter", "draft"),
    [
        ("draft: true\n", True),
        ("draft: false\n", False),
        ("draft: yes\n", True),
        ("published: false\n", True),
        ("published: no\n", True),
        ("published: true\n", False),
        ("draft: false\npublished: false\n", True),
        ("", False),
    ],
)
def test_draft(frontmatter, draft):
    assert meta_of(BASE + frontmatter)[0].draft is draft


@pytest.mark.parametrize("name", ["draft.md", "published_false.md"])
def test_draft_fixtures(name):
    assert load(name)[0].draft is True


def test_unclear_draft_flag_warns():
    meta, notices = meta_of(BASE + "draft: maybe\n")
    assert meta.draft is False
    [notice] = notices
    assert notice.line == 4
    assert "maybe" in notice.message


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("8 min", 8), ("'8'", 8), ("8", 8), ("8 minutes", 8), ("8 min read", 8), ("7.5", 8)],
)
def test_read_time(value, minutes):
    meta, notices = meta_of(BASE + f"read_time: {value}\n")
    assert meta.reading_minutes == minutes
    assert notices == []


@pytest.mark.parametrize("value", ["eight", "-3", "0", "true", "'8 hours'"])
def test_invalid_read_time_warns(value):
    meta, notices = meta_of(BASE + f"read_time: {value}\n")
    assert meta.reading_minutes is None
    [notice] = notices
    assert notice.line == 4
    assert "read_time" in notice.message
    assert "8 min" in notice.hint


def test_reading_time_key():
    assert meta_of(BASE + "reading_time: 12\n")[0].reading_minutes == 12


@pytest.mark.parametrize(
    ("frontmatter", "author"),
    [
        ("", "Site Owner"),
        ("author: '  Linus   Torvalds '\n", "Linus Torvalds"),
        ("author:\n  name: Grace Hopper\n  twitter: gh\n", "Grace Hopper"),
        ("authors: [Ada, Bob]\n", "Ada"),
        ("author: ''\n", "Site Owner"),
    ],
)
def test_author(frontmatter, author):
    assert meta_of(BASE + frontmatter)[0].author == author


def test_author_dict_fixture():
    assert load("author_dict.md")[0].author == "Tomás Reyes"


@pytest.mark.parametrize(
    "image",
    ["https://example.com/cover.png", "http://example.com/a.jpg", "/static/images/a.png",
     "images/local.png"],
)
def test_image_kept(image):
    meta, notices = meta_of(BASE + f"image: '{image}'\n")
    assert meta.image == image
    assert notices == []


@pytest.mark.parametrize(
    ("image", "expected"),
    [("/static/images/my photo.jpg", "/static/images/my%20photo.jpg"),
     ('/a.svg?x="><script>', "/a.svg?x=%22%3E%3Cscript%3E"),
     ("https://example.com/caf%C3%A9.png?w=800&h=600", "https://example.com/caf%C3%A9.png?w=800&h=600"),
     ("/static/images/café.png", "/static/images/café.png")],
)
def test_image_address_is_made_url_safe(image, expected):
    meta, _ = meta_of(BASE + f"image: '{image}'\n")
    assert meta.image == expected


@pytest.mark.parametrize(
    "image",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:image/png;base64,AAAA",
     "../../etc/passwd", "/static/../../etc/passwd", "//evil.example/x.png",
     "..\\\\windows\\\\win.ini"],
)
def test_image_rejected_with_warning(image):
    meta, notices = meta_of(BASE + f"image: '{image}'\n")
    assert meta.image is None
    [notice] = notices
    assert notice.line == 4
    assert "image" in notice.message


@pytest.mark.parametrize(
    ("aliases", "expected"),
    [
        ("\n  - /old/path/my-old-post/\n  - /2019/01/other.html\n", ["my-old-post", "other"]),
        ("/blog/legacy-post", ["legacy-post"]),
        ("[/a/Same/, /b/same]", ["same"]),
    ],
)
def test_aliases(aliases, expected):
    assert meta_of(BASE + f"aliases: {aliases}\n")[0].aliases == expected


def test_redirect_from_is_an_alias():
    assert meta_of(BASE + "redirect_from: /2015/05/first-post/\n")[0].aliases == ["first-post"]


# --- unknown keys ------------------------------------------------------------------------


def test_extra_keeps_unknown_keys_json_safe():
    meta, _ = load("extra_keys.md")
    assert meta.extra == {
        "series": "Kitchen Notes",
        "weight": 3,
        "event_day": "2024-07-01",
        "venue": {"city": "Lyon", "rooms": ["A", "B"]},
    }
    assert json.loads(json.dumps(meta.extra)) == meta.extra


def test_extra_toml_dates_become_iso_text():
    raw = read_article(
        '+++\ntitle = "x"\ndate = 2024-01-01\nwhen = 2024-02-02T10:00:00+01:00\n'
        "at = 10:30:00\nratio = inf\n+++\nText.\n")
    meta, _ = normalise(raw, "post.md", BERLIN)
    assert meta.extra == {"when": "2024-02-02T10:00:00+01:00", "at": "10:30:00", "ratio": "inf"}
    json.dumps(meta.extra, allow_nan=False)


def test_modelled_keys_are_not_extra():
    meta, _ = load("yaml_lists_and_description.md")
    assert meta.extra == {}


def test_key_lines_carried_over():
    meta, _ = load("yaml_lists_and_description.md")
    assert meta.line_of("tags") == 8
    assert meta.line_of("missing", "draft") == 14
    assert meta.line_of("missing") == 1


def test_empty_title_is_reported_at_its_own_line() -> None:
    raw = read_article("---\ndate: 2025-01-01\ntitle:\n---\nText\n")

    with pytest.raises(InvalidArticle) as caught:
        normalise(raw, "post.md", MetaSettings())

    assert [(e.line, e.message) for e in caught.value.errors] == [(3, "missing title")]


# --- pages -------------------------------------------------------------------------------

RESERVED = MetaSettings(reserved=frozenset({"tags", "search"}))


def page_of(frontmatter: str, filename: str = "about.md", *, folder: bool = False,
            settings: MetaSettings = RESERVED):
    raw = read_article(f"---\n{frontmatter}---\nSome text.\n")
    return normalise(raw, filename, settings, in_pages_folder=folder)


@pytest.mark.parametrize(("frontmatter", "folder", "kind"), [
    ("title: A\ndate: 2024-01-01\n", False, "post"),
    ("title: A\ntype: page\n", False, "page"),
    ("title: A\ntype: Page\n", False, "page"),
    ("title: A\n", True, "page"),
    ("title: A\ndate: 2024-01-01\ntype: post\n", True, "post"),
])
def test_type_page_or_the_pages_folder_makes_a_page(frontmatter, folder, kind):
    meta, _ = page_of(frontmatter, folder=folder)

    assert meta.kind == kind


def test_an_unknown_type_warns_and_the_folder_decides():
    meta, notices = page_of("title: A\ntype: docs\n", folder=True)

    assert meta.kind == "page"
    assert [(n.line, n.message) for n in notices] == [
        (3, "type: 'docs' is neither post nor page; taken as page")]


def test_a_page_needs_no_date_and_answers_at_its_slug():
    meta, notices = page_of("title: About us\ntype: page\n")

    assert (meta.published_at, meta.slug, meta.address, notices) == (None, "about", "/about", [])


def test_a_page_with_a_date_keeps_it_and_can_be_a_draft():
    meta, _ = page_of("title: A\ntype: page\ndate: 2024-01-01\ndraft: true\n")

    assert meta.published_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert meta.draft


def test_a_page_reads_its_url_menu_and_weight():
    meta, notices = page_of("title: A\ntype: page\nurl: /who/we-are/\nmenu: main\nweight: 20\n")

    assert (meta.url, meta.address, meta.menu, meta.menu_weight) == (
        "/who/we-are", "/who/we-are", "main", 20)
    assert notices == []
    assert "url" not in meta.extra and "menu" not in meta.extra


@pytest.mark.parametrize(("menu", "expected"), [
    ("main", "main"), ("Main", "main"), ("[footer, main]", "main")])
def test_menu_main_in_any_spelling(menu, expected):
    meta, _ = page_of(f"title: A\ntype: page\nmenu: {menu}\n")

    assert meta.menu == expected


def test_an_unknown_menu_or_weight_warns_on_its_line():
    meta, notices = page_of("title: A\ntype: page\nmenu: footer\nweight: heavy\n")

    assert (meta.menu, meta.menu_weight) == (None, None)
    assert [(n.line, n.message.split(" names")[0].split(" is not")[0]) for n in notices] == [
        (4, "menu: 'footer'"), (5, "weight: 'heavy'")]


@pytest.mark.parametrize("weight", ["true", "1.5", "2000000"])
def test_a_weight_must_be_a_whole_number_in_range(weight):
    meta, notices = page_of(f"title: A\ntype: page\nweight: {weight}\n")

    assert meta.menu_weight is None and notices[0].line == 4


def test_a_bad_url_is_an_error_on_its_line():
    with pytest.raises(InvalidArticle) as info:
        page_of("title: A\ntype: page\nurl: https://example.com/a\n")

    [error] = info.value.errors
    assert (error.line, error.message) == (
        4, "url: 'https://example.com/a' is not a path on this site (no scheme or host)")


@pytest.mark.parametrize(("frontmatter", "filename", "line", "address"), [
    ("title: A\ntype: page\n", "tags.md", 3, "/tags"),  # the type line: the file name chose
    ("title: A\ntype: page\nslug: search\n", "a.md", 4, "/search"),
    ("title: A\ntype: page\nurl: /tags/mine\n", "a.md", 4, "/tags/mine"),
])
def test_a_page_under_a_route_of_folio_is_an_error(frontmatter, filename, line, address):
    with pytest.raises(InvalidArticle) as info:
        page_of(frontmatter, filename)

    [error] = info.value.errors
    segment = address.split("/")[1]
    assert (error.line, error.message) == (
        line, f"the page's address {address} is under /{segment}, which Folio's own pages use")
    assert "slug:" in error.hint and "url:" in error.hint


def test_a_post_may_have_a_reserved_slug():
    meta, _ = page_of("title: A\ndate: 2024-01-01\n", "tags.md")

    assert (meta.kind, meta.slug, meta.address) == ("post", "tags", None)


def test_a_page_drops_its_tags_and_category_with_a_warning():
    meta, notices = page_of("title: A\ntype: page\ntags: a, b\ncategory: C\n")

    assert (meta.tags, meta.category) == ([], None)
    assert [(n.line, n.message) for n in notices] == [
        (4, "tags: pages are not filed under tags or categories; ignored"),
        (5, "category: pages are not filed under tags or categories; ignored")]


def test_page_keys_on_a_post_are_kept_as_unknown_keys_url_and_menu_with_a_warning():
    meta, notices = page_of("title: A\ndate: 2024-01-01\nurl: /a\nmenu: main\nweight: 3\n")

    assert (meta.kind, meta.url, meta.menu, meta.menu_weight) == ("post", None, None, None)
    assert meta.extra == {"url": "/a", "menu": "main", "weight": 3}
    assert [(n.line, n.message) for n in notices] == [
        (4, "url: only pages take this key; ignored for a post"),
        (5, "menu: only pages take this key; ignored for a post")]


# --- a site written for another engine (lenient where the engine published) ----------------

FOREIGN = MetaSettings(reserved=frozenset({"tags", "search"}),
                       source=SiteSource("pelican", "{}"))


def test_a_foreign_page_at_a_reserved_address_moves_with_a_warning():
    meta, notices = page_of("title: Search\ntype: page\n", "search.md", settings=FOREIGN)
    assert meta.address == "/pages/search"
    assert [n.message for n in notices] == [
        "the page's address /search is under /search, which Folio's own pages use; it "
        "answers at /pages/search instead"]


def test_a_foreign_overlong_title_is_shortened_with_a_warning():
    meta, notices = meta_of(f"title: {'word ' * 150}\ndate: 2024-01-01\n", settings=FOREIGN)
    assert len(meta.title) <= 500
    assert [n.message for n in notices] == [
        "title: a value is 749 characters long; shortened to 500"]


def test_a_house_overlong_title_is_still_an_error():
    with pytest.raises(InvalidArticle):
        meta_of(f"title: {'word ' * 150}\ndate: 2024-01-01\n")


def test_several_authors_are_kept_in_order_without_repeats():
    meta, _ = meta_of("title: A\ndate: 2024-01-01\nauthors: [Ada, Charles, ada]\n")
    assert (meta.author, meta.authors) == ("Ada", ["Ada", "Charles"])
