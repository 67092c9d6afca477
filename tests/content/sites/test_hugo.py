"""Hugo sites: recognising one, its settings, its content folder, front matter as Hugo reads it
and the addresses Hugo gave each page. Where ``hugo`` is installed, the fixture site is also
built by Hugo and what Folio reads is compared with what Hugo published."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.content import sites
from app.content.metadata import ArticleMeta, MetaSettings
from app.content.pages import PAGE, POST
from app.content.planning import read_translated
from app.content.problems import Notice
from app.content.render import render_markdown
from app.content.sites import ConfigError, SiteConfig, Translated
from app.content.sites.hugo import Reader, configure, find_config, urlize
from tests.content.sites.hugo_build import build, rendered_links

BLOG = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "hugo" / "blog"
NOW = dt.datetime.now(dt.UTC)


def detect(root: Path) -> tuple[SiteConfig, MetaSettings, Reader]:
    config = sites.detect(root)
    reader = sites.reader_for(config.source)
    assert isinstance(reader, Reader)
    return config, MetaSettings(source=config.source, **config.overrides), reader


def read(root: Path, rel: str) -> tuple[ArticleMeta, Translated, list[Notice]]:
    _, settings, _ = detect(root)
    return read_translated((root / rel).read_bytes(), rel, settings)


def site(tmp_path: Path, config: str, files: dict[str, str], name: str = "config.toml"
         ) -> Path:
    """A small Hugo site in ``tmp_path``: its configuration and content files."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(config, encoding="utf-8")
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def post(front_matter: str, body: str = "Text.\n") -> str:
    return f"---\n{front_matter.strip()}\n---\n{body}"


# ---- Recognising a Hugo site -----------------------------------------------------------


@pytest.mark.parametrize("name", ["hugo.toml", "hugo.yaml", "hugo.json"])
def test_found_by_its_own_configuration_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("{}" if name.endswith("json") else "", encoding="utf-8")
    assert find_config(tmp_path) == tmp_path / name


@pytest.mark.parametrize("name", ["config.toml", "config.yaml", "config.json"])
def test_a_generic_config_file_is_hugo_beside_a_content_folder(tmp_path: Path,
                                                               name: str) -> None:
    (tmp_path / name).write_text("{}" if name.endswith("json") else "", encoding="utf-8")
    assert find_config(tmp_path) is None  # any tool may write a config.json
    (tmp_path / "content").mkdir()
    assert find_config(tmp_path) == tmp_path / name


def test_a_generic_config_file_naming_a_base_url_is_hugo(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("baseURL: https://example.org/\n")
    assert find_config(tmp_path) == tmp_path / "config.yaml"


def test_a_configuration_folder_is_merged_as_hugo_merges_it(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "_default"
    folder.mkdir(parents=True)
    (folder / "hugo.toml").write_text('baseURL = "https://example.org/"\ntimeZone = "UTC"\n')
    (folder / "params.yaml").write_text("author: Folder Author\nversion: 1\n")
    (folder / "permalinks.toml").write_text('posts = "/:year/:slug/"\n')
    (folder / "menus.en.toml").write_text("[[main]]\nname = 'Home'\n")
    production = tmp_path / "config" / "production"
    production.mkdir()
    (production / "hugo.toml").write_text('timeZone = "Europe/Paris"\n')
    assert find_config(tmp_path) == folder
    config = sites.detect(tmp_path)
    assert config.config_file == "config/_default"
    assert config.overrides["timezone"] == "Europe/Paris"  # `hugo` builds for production
    assert config.overrides["default_author"] == "Folder Author"
    settings = config.source.settings
    assert settings["params"] == {"author": "Folder Author", "version": 1}
    assert settings["permalinks"] == {"posts": "/:year/:slug/"}


def test_a_folder_of_folio_articles_is_not_hugo(tmp_path: Path) -> None:
    (tmp_path / "hello.md").write_text(post("title: Hello\ndate: 2024-01-01"))
    assert find_config(tmp_path) is None


# ---- The settings it takes ---------------------------------------------------------------


def test_settings_of_the_fixture_blog() -> None:
    config, _, _ = detect(BLOG)
    assert config.source.engine == "hugo"
    assert config.config_file == "config.toml"
    assert config.overrides == {"timezone": "America/New_York", "static_dirs": ("static",),
                                "dialect": "gfm", "math_inline_dollars": False,
                                "default_author": "Site Author"}
    settings = config.source.settings
    assert settings["base_url"] == "https://example.org/blog/"
    assert settings["prefix"] == "/blog"
    assert settings["taxonomies"] == {"tag": "tags", "category": "categories",
                                      "series": "series"}
    assert settings["disabled"] == ["taxonomy"]
    assert settings["shortcodes"] == ["note"]
    assert "baseURL: https://example.org/blog/" in config.taken
    assert "permalinks notes: /:year/:month/:slug/" in config.taken
    assert not config.unread


def test_settings_and_their_defaults(tmp_path: Path) -> None:
    config = configure(site(tmp_path, """
baseurl = "https://example.org"
author = {name = "Author Table", email = "a@example.org"}
staticDir = ["static", "assets/static"]
theme = "plain"
uglyURLs = true
disablePathToLower = true
[params]
math = true
mainSections = ["articles"]
""", {"themes/plain/static/.keep": ""}), tmp_path / "config.toml")
    settings = config.source.settings
    assert settings["prefix"] == ""
    assert settings["timezone"] == "UTC"
    assert settings["taxonomies"] == {"tag": "tags", "category": "categories"}
    assert settings["ugly_urls"] is True and settings["lower"] is False
    assert settings["main_sections"] == ["articles"]
    assert config.overrides["default_author"] == "Author Table"
    assert config.overrides["static_dirs"] == ("static", "assets/static",
                                               "themes/plain/static")
    assert config.overrides["math_inline_dollars"] is True
    assert "goldmark unsafe = false: Hugo left raw HTML out of posts; Folio shows it, " \
        "sanitised" in config.taken


def test_an_unknown_time_zone_is_reported_and_utc_used(tmp_path: Path) -> None:
    config = configure(site(tmp_path, 'title = "x"\n\ntimeZone = "Mars/Olympus"\n', {}),
                       tmp_path / "config.toml")
    assert config.overrides["timezone"] == "UTC"
    assert [(n.line, n.message.split(";")[0]) for n in config.unread] == [
        (3, "timeZone 'Mars/Olympus' is not a time zone")]


def test_a_multilingual_site_is_read_in_its_default_language(tmp_path: Path) -> None:
    root = site(tmp_path, """
defaultContentLanguage = "en"
[languages.en]
weight = 1
[languages.fr]
weight = 2
""", {"content/post/hello.md": post("title: Hello\ndate: 2024-01-01"),
      "content/post/hello.fr.md": post("title: Bonjour\ndate: 2024-01-01"),
      "content/post/bye.en.md": post("title: Bye\ndate: 2024-01-02")})
    config, _, reader = detect(root)
    assert reader.discover(root) == ["content/post/bye.en.md", "content/post/hello.md"]
    assert config.unread[0].message.startswith("languages: only the content in en")
    meta, _, _ = read(root, "content/post/bye.en.md")
    assert meta.old_addresses == ["/post/bye/"]


@pytest.mark.parametrize(("name", "text", "line", "message"), [
    ("config.toml", 'title = "x"\nbaseURL = \n', 2, "invalid TOML"),
    ("hugo.yaml", "title: x\nparams: [\n", 3, "invalid YAML"),
    ("hugo.json", '{\n "title": "x",\n}', 3, "invalid JSON"),
    ("hugo.yaml", "- a list\n", 1, "the configuration is not a mapping of settings"),
])
def test_a_configuration_that_cannot_be_read_stops_the_import(
        tmp_path: Path, name: str, text: str, line: int, message: str) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        sites.detect(tmp_path)
    assert (caught.value.config_file, caught.value.line) == (name, line)
    assert caught.value.message.startswith(message)


# ---- The content folder ------------------------------------------------------------------


def test_discover_reads_what_hugo_publishes() -> None:
    _, _, reader = detect(BLOG)
    assert reader.discover(BLOG) == [
        "content/about.md",
        "content/contact/index.md",
        "content/docs/_index.md",  # a section's own page, with text: a page
        "content/docs/guide.md",
        "content/notes/first-note.md",
        "content/post/2019/nested-post.md",
        "content/post/My Spaced Name, Really!.md",
        "content/post/bundle-post/index.md",  # its notes.md is a resource, not a page
        "content/post/draft-post.md",  # kept as a draft
        "content/post/expired-post.md",
        "content/post/future-post.md",
        "content/post/json-post.md",
        "content/post/more-divider.md",
        "content/post/toml-post.md",
        "content/post/with-url.md",
        "content/post/yaml-post.md",
    ]  # not: the home's and the posts' list pages, headless-bundle, never-rendered


def test_ignore_files_and_editor_files_are_not_content(tmp_path: Path) -> None:
    root = site(tmp_path, 'ignoreFiles = ["\\\\.private\\\\.md$"]\n', {
        "content/post/a.md": post("title: A\ndate: 2024-01-01"),
        "content/post/b.private.md": post("title: B\ndate: 2024-01-01"),
        "content/post/#a.md#": "", "content/post/a.md~": "",
        "README.md": "# Not content\n"})
    _, _, reader = detect(root)
    assert reader.discover(root) == ["content/post/a.md"]


def test_is_page_by_place() -> None:
    _, _, reader = detect(BLOG)
    assert reader.is_page("content/about.md")
    assert reader.is_page("content/contact/index.md")
    assert reader.is_page("content/docs/_index.md")
    assert not reader.is_page("content/post/yaml-post.md")
    assert not reader.is_page("content/post/bundle-post/index.md")


# ---- Front matter as Hugo reads it ---------------------------------------------------------


def test_yaml_post() -> None:
    meta, translated, notices = read(BLOG, "content/post/yaml-post.md")
    assert (meta.kind, meta.title, meta.slug) == (POST, "A YAML post", "yaml-post")
    # No offset: in the site's time zone (New York, 5 hours behind UTC in March).
    assert meta.published_at == dt.datetime(2020, 3, 4, 15, 0, tzinfo=dt.UTC)
    assert meta.updated_at == dt.datetime(2020, 4, 1, 4, 0, tzinfo=dt.UTC)
    assert meta.authors == ["Jane Doe"]
    assert meta.tags == ["Go Lang", "C++"]
    assert meta.category == "Tutorials"
    assert meta.extra["hugo_categories"] == ["Tutorials", "Archive"]
    assert meta.extra["series"] == ["Learning"]
    assert meta.excerpt == "What the theme shows under the title."
    assert meta.image == "/img/cover.png"  # from the site's root: static/img/cover.png
    assert meta.line_of("category") == 8
    assert translated.translated == {"ref": 1, "relref": 1}
    assert "[the TOML post](/content/post/toml-post.md)" in translated.raw.body
    assert "[the guide](/content/docs/guide.md#part-two)" in translated.raw.body
    assert not notices


def test_a_later_publish_date_is_the_posts_date() -> None:
    meta, _, _ = read(BLOG, "content/post/toml-post.md")
    assert meta.published_at == dt.datetime(2020, 5, 10, 16, 0, tzinfo=dt.UTC)
    assert meta.extra["hugo_date"] == "2020-05-06T08:30:00-07:00"
    assert meta.expires_at == dt.datetime(2999, 1, 1, 5, 0, tzinfo=dt.UTC)
    assert meta.slug == "custom-slug"
    assert meta.excerpt == "The summary the author wrote."
    assert meta.authors == ["Jane Doe", "John Roe"]
    assert meta.tags == ["toml"]  # `Tags`: keys are case-insensitive


def test_json_front_matter() -> None:
    meta, translated, _ = read(BLOG, "content/post/json-post.md")
    assert meta.title == "A JSON post"
    assert meta.published_at == dt.datetime(2018, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert meta.tags == ["json", "front matter"]
    assert meta.category == "Notes"
    assert translated.raw.body == "The body of the JSON post.\n"
    assert translated.raw.body_line == 7
    assert meta.line_of("tags") == 4


def test_the_summary_divider_comes_before_the_summary_key() -> None:
    meta, translated, _ = read(BLOG, "content/post/more-divider.md")
    assert meta.excerpt is None
    assert render_markdown(translated.raw.body).excerpt == "Before the divider."
    assert meta.extra["hugo_summary"] == "Hugo takes the divider's text before this."


def test_drafts_expiry_and_future() -> None:
    assert read(BLOG, "content/post/draft-post.md")[0].draft
    expired, _, _ = read(BLOG, "content/post/expired-post.md")
    assert expired.expires_at == dt.datetime(2001, 1, 1, 5, 0, tzinfo=dt.UTC)
    future, _, _ = read(BLOG, "content/post/future-post.md")
    assert future.published_at is not None and future.published_at > NOW


def test_a_page_bundle() -> None:
    meta, translated, notices = read(BLOG, "content/post/bundle-post/index.md")
    assert (meta.kind, meta.slug, meta.image) == (POST, "bundle-post", "cover.png")
    assert translated.translated == {"figure": 1}
    assert translated.left == {"note": 1}
    assert [(n.line, n.message) for n in notices] == [
        (10, "shortcode {{< note >}} (the site's layouts/shortcodes/note.html) is not "
             "translated; shown as text")]


def test_pages_keep_their_hugo_address() -> None:
    about, _, _ = read(BLOG, "content/about.md")
    assert (about.kind, about.address, about.menu, about.menu_weight) == (PAGE, "/about",
                                                                          "main", 2)
    assert about.published_at is None
    contact, _, _ = read(BLOG, "content/contact/index.md")
    assert (contact.kind, contact.address) == (PAGE, "/contact")
    docs, _, _ = read(BLOG, "content/docs/_index.md")
    assert (docs.kind, docs.slug, docs.address, docs.title) == (PAGE, "docs", "/docs",
                                                                "Documentation")
    guide, translated, _ = read(BLOG, "content/docs/guide.md")
    assert (guide.kind, guide.address) == (PAGE, "/docs/guide")
    assert translated.raw.body.lstrip().startswith("Version 1.2 (Bluebird).")


def test_an_undated_file_of_a_main_section_is_a_page(tmp_path: Path) -> None:
    root = site(tmp_path, "", {"content/post/undated.md": post("title: Undated")})
    meta, _, notices = read(root, "content/post/undated.md")
    assert (meta.kind, meta.address) == (PAGE, "/post/undated")
    assert notices[0].message == "no date: imported as a page at its Hugo address"


def test_a_file_without_front_matter_is_titled_from_its_name(tmp_path: Path) -> None:
    root = site(tmp_path, "", {"content/notes-to-self.md": "Just text.\n"})
    meta, translated, notices = read(root, "content/notes-to-self.md")
    assert (meta.kind, meta.title) == (PAGE, "Notes to self")
    assert translated.raw.body == "Just text.\n"
    assert "titled 'Notes to self' from the file's name" in notices[0].message


def test_keys_differing_only_in_case_take_the_last(tmp_path: Path) -> None:
    root = site(tmp_path, "", {"content/post/a.md": post(
        "title: First\ndate: 2024-01-01\nTitle: Second")})
    meta, _, notices = read(root, "content/post/a.md")
    assert meta.title == "Second"
    assert (notices[0].line, notices[0].message) == (
        4, "Title: given twice (as 'title' on line 2); the last value is taken, as Hugo does")


def test_hugo_type_url_and_weight_of_a_post_are_kept_aside(tmp_path: Path) -> None:
    root = site(tmp_path, "", {"content/post/a.md": post(
        "title: A\ndate: 2024-01-01\ntype: gallery\nweight: 3\nlayout: wide")})
    meta, _, notices = read(root, "content/post/a.md")
    assert meta.kind == POST
    assert meta.extra == {"hugo_type": "gallery", "hugo_weight": 3, "layout": "wide",
                          "hugo_permalink": "/post/a/"}
    assert not notices


def test_a_string_of_tags_is_one_tag_as_in_hugo(tmp_path: Path) -> None:
    root = site(tmp_path, "", {"content/post/a.md": post(
        'title: A\ndate: 2024-01-01\ntags: "one, two"')})
    assert read(root, "content/post/a.md")[0].tags == ["one, two"]


def test_dates_from_file_names_when_the_site_says_so(tmp_path: Path) -> None:
    root = site(tmp_path, '[frontmatter]\ndate = [":filename", ":default"]\n',
                {"content/post/2020-05-06-From-File.md": post("title: From a file name")})
    meta, _, _ = read(root, "content/post/2020-05-06-From-File.md")
    assert meta.published_at == dt.datetime(2020, 5, 6, tzinfo=dt.UTC)
    assert meta.slug == "from-file"
    assert meta.old_addresses == ["/post/from-file/"]


def test_build_drafts_publishes_drafts(tmp_path: Path) -> None:
    root = site(tmp_path, "buildDrafts = true\n", {"content/post/a.md": post(
        "title: A\ndate: 2024-01-01\ndraft: true")})
    assert not read(root, "content/post/a.md")[0].draft


# ---- Addresses ---------------------------------------------------------------------------


def test_old_addresses_of_the_fixture_blog() -> None:
    assert read(BLOG, "content/post/yaml-post.md")[0].old_addresses == [
        "/blog/post/old-yaml-post/",  # an alias from the page's folder
        "/blog/2020/03/yaml.html",
        "/blog/elsewhere/yaml/",
        "/blog/post/yaml-post/",
    ]
    assert read(BLOG, "content/post/toml-post.md")[0].old_addresses == [
        "/blog/post/custom-slug/"]
    assert read(BLOG, "content/post/My Spaced Name, Really!.md")[0].old_addresses == [
        "/blog/post/my-spaced-name-really/"]
    assert read(BLOG, "content/post/with-url.md")[0].old_addresses == [
        "/blog/Special/relative-to-url/", "/blog/Special/Place/"]  # url keeps its case
    assert read(BLOG, "content/notes/first-note.md")[0].old_addresses == [
        "/blog/2021/07/the-first-note/"]  # July 4th, 23:30 in New York
    assert read(BLOG, "content/docs/_index.md")[0].old_addresses == ["/blog/docs/"]


PLACEHOLDERS = ("/:year/:month/:monthname/:day/:weekday/:weekdayname/:yearday/:section/"
                ":sections/:title/:slug/:filename/:slugorfilename/:slug_or_title/"
                ":contentbasename/")


@pytest.mark.parametrize(("front_matter", "rel", "expected"), [
    ('title: "Perma Title"\ndate: 2021-07-04T23:30:00\nslug: perma-slug', "blog/perma.md",
     "/2021/07/july/04/0/sunday/185/blog/blog/perma-title/perma-slug/perma/perma-slug/"
     "perma-slug/perma/"),
    ('title: "Ünïcode Title"\ndate: 2021-01-05', "blog/sub/x.md",
     "/2021/01/january/05/2/tuesday/5/blog/blog/%C3%BCn%C3%AFcode-title/"
     "%C3%BCn%C3%AFcode-title/x/x/%C3%BCn%C3%AFcode-title/x/"),
    ('title: "Bundled"\ndate: 2021-01-05', "blog/the-bundle/index.md",
     "/2021/01/january/05/2/tuesday/5/blog/blog/bundled/bundled/the-bundle/the-bundle/"
     "bundled/the-bundle/"),
])
def test_permalink_placeholders(tmp_path: Path, front_matter: str, rel: str,
                                expected: str) -> None:
    root = site(tmp_path, f'timeZone = "America/New_York"\n[permalinks]\n'
                f'blog = "{PLACEHOLDERS}"\n', {f"content/{rel}": post(front_matter)})
    assert read(root, f"content/{rel}")[0].old_addresses == [expected]


def test_sections_placeholder_follows_nested_sections(tmp_path: Path) -> None:
    root = site(tmp_path, '[permalinks]\ndocs = "/d/:sections/:filename/"\n', {
        "content/docs/sub/_index.md": post("title: Sub"),
        "content/docs/sub/deep.md": post("title: Deep\ndate: 2024-01-01"),
        "content/docs/plain/deep2.md": post("title: Deep too\ndate: 2024-01-01")})
    assert read(root, "content/docs/sub/deep.md")[0].old_addresses == ["/d/docs/sub/deep/"]
    assert read(root, "content/docs/plain/deep2.md")[0].old_addresses == ["/d/docs/deep2/"]


def test_ugly_urls_and_kept_case(tmp_path: Path) -> None:
    root = site(tmp_path, "uglyURLs = true\ndisablePathToLower = true\n", {
        "content/post/My-Post.md": post("title: A\ndate: 2024-01-01"),
        "content/About.md": post("title: About")})
    assert read(root, "content/post/My-Post.md")[0].old_addresses == ["/post/My-Post.html"]
    about, _, _ = read(root, "content/About.md")
    assert about.old_addresses == ["/About.html"]
    assert about.address == "/about"


@pytest.mark.parametrize(("text", "expected"), [
    ("My Post Ünïcode, Yes!", "my-post-%C3%BCn%C3%AFcode-yes"),
    ("  C++ & C#  ", "c++-c%23"),
    ("a/b_c.d~e@f", "a/b_c.d~e@f"),
    ("tabs\tand   spaces", "tabs-and-spaces"),
])
def test_urlize_as_hugo_makes_paths(text: str, expected: str) -> None:
    assert urlize(text, lower=True) == expected


def test_site_redirects() -> None:
    _, _, reader = detect(BLOG)
    assert reader.site_redirects(["Go Lang", "C++"], ["Tutorials"], ["Jane Doe"]) == {
        "/blog/index.xml": "/rss.xml",
        "/blog/post/": "/",
        "/blog/post/index.xml": "/rss.xml",
        "/blog/tags/go-lang/": "/tags/go-lang",
        "/blog/tags/go-lang/index.xml": "/tags/go-lang/rss.xml",
        "/blog/tags/c++/": "/tags/cpp",
        "/blog/tags/c++/index.xml": "/tags/cpp/rss.xml",
        "/blog/categories/tutorials/": "/categories/tutorials",
        "/blog/categories/tutorials/index.xml": "/categories/tutorials/rss.xml",
    }  # the taxonomy lists are disabled; the site has no authors taxonomy


def test_site_redirects_with_ugly_urls_and_an_authors_taxonomy(tmp_path: Path) -> None:
    root = site(tmp_path, 'uglyURLs = true\ndisableKinds = ["RSS"]\n[taxonomies]\n'
                'author = "authors"\ntag = "tags"\n',
                {"content/posts/a.md": post("title: A\ndate: 2024-01-01")})
    _, _, reader = detect(root)
    assert reader.site_redirects(["Go"], ["Ignored"], ["Jane Doe"]) == {
        "/posts.html": "/",
        "/tags.html": "/tags/",
        "/tags/go.html": "/tags/go",
        "/authors.html": "/authors/",
        "/authors/jane-doe.html": "/authors/jane-doe",
    }


# ---- Compared with what Hugo itself published ------------------------------------------


def visible(meta: ArticleMeta) -> bool:
    """Whether Folio shows the article now, as Hugo's build would have published it."""
    return not meta.draft and (meta.published_at is None or meta.published_at <= NOW) and (
        meta.expires_at is None or meta.expires_at > NOW)


@pytest.fixture(scope="module")
def hugo_blog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    work = tmp_path_factory.mktemp("hugo-blog")
    return work, build(BLOG, work)


@pytest.fixture(scope="module")
def folio_blog() -> dict[str, tuple[ArticleMeta, Translated]]:
    _, settings, reader = detect(BLOG)
    read_all = {}
    for rel in reader.discover(BLOG):
        meta, translated, _ = read_translated((BLOG / rel).read_bytes(), rel, settings)
        read_all[rel.removeprefix("content/")] = meta, translated
    return read_all


def test_the_pages_hugo_published_are_those_folio_shows(hugo_blog: tuple[Path, Any],
                                                        folio_blog: dict[str, Any]) -> None:
    published = set(hugo_blog[1].by_file()) | {
        rel for rel in hugo_blog[1].by_file("section") if rel in folio_blog}
    assert published == {rel for rel, (meta, _) in folio_blog.items() if visible(meta)}


def test_addresses_dates_and_titles_are_hugos(hugo_blog: tuple[Path, Any],
                                              folio_blog: dict[str, Any]) -> None:
    for rel, page in hugo_blog[1].by_file().items():
        meta, _ = folio_blog[rel]
        assert meta.extra["hugo_permalink"] == page["path"], rel
        assert meta.title == page["title"], rel
        assert meta.tags == page["tags"], rel
        if meta.kind == POST:
            date = max(dt.datetime.fromisoformat(page["date"]),
                       dt.datetime.fromisoformat(page["publish_date"]))
            assert meta.published_at == date, rel


def test_aliases_answer_where_hugo_wrote_them(hugo_blog: tuple[Path, Any],
                                              folio_blog: dict[str, Any]) -> None:
    prefix = "/blog"
    ours = {address.removeprefix(prefix) for rel, (meta, translated) in folio_blog.items()
            if visible(meta) for address in translated.addresses}
    assert ours == hugo_blog[1].aliases


@pytest.mark.parametrize("rel", ["post/toml-post.md", "post/more-divider.md"])
def test_written_summaries_are_hugos(hugo_blog: tuple[Path, Any], folio_blog: dict[str, Any],
                                     rel: str) -> None:
    """A summary the author wrote (``summary``, or the text before ``<!--more-->``): Hugo's
    own, of the first 70 words, is not Folio's to copy."""
    page = hugo_blog[1].by_file()[rel]
    meta, translated = folio_blog[rel]
    ours = meta.excerpt or render_markdown(translated.raw.body).excerpt
    assert " ".join(ours.split()) == " ".join(page["summary"].split())


def test_refs_lead_where_hugos_links_lead(hugo_blog: tuple[Path, Any],
                                          folio_blog: dict[str, Any]) -> None:
    work, _ = hugo_blog
    _, translated = folio_blog["post/yaml-post.md"]
    ours = re.findall(r"\]\((/content/[^)#]+)(#[^)]*)?\)", translated.raw.body)
    theirs = rendered_links(work, "post/yaml-post/")
    assert len(ours) == len(theirs) == 2
    for (source, anchor), href in zip(ours, theirs, strict=True):
        target, _ = folio_blog[source.removeprefix("/content/")]
        assert href.removeprefix("https://example.org") == target.extra["hugo_permalink"] \
            + anchor


def test_site_redirects_cover_hugos_term_pages_and_feeds(hugo_blog: tuple[Path, Any],
                                                        folio_blog: dict[str, Any]) -> None:
    work, output = hugo_blog
    shown = [meta for meta, _ in folio_blog.values() if visible(meta) and meta.kind == POST]
    tags = sorted({tag for meta in shown for tag in meta.tags})
    categories = sorted({meta.category for meta in shown if meta.category})
    redirects = detect(BLOG)[2].site_redirects(tags, categories, [])
    kept = {f"/blog/tags/{urlize(tag, lower=True)}/" for tag in tags} | {
        f"/blog/categories/{urlize(name, lower=True)}/" for name in categories}
    terms = {page["path"] for page in output.pages if page["kind"] == "term"}
    assert kept <= terms  # Hugo's own addresses for the names Folio keeps...
    assert kept <= set(redirects)  # ...each answers
    for feed in ("index.xml", "post/index.xml"):
        assert (work / "public" / feed).is_file()
        assert f"/blog/{feed}" in redirects


def test_the_probe_layouts_report_json(tmp_path: Path) -> None:
    """The probe is what the comparisons stand on: a published page reads back."""
    if shutil.which("hugo") is None:
        pytest.skip("hugo is not installed")
    root = site(tmp_path / "site", 'baseURL = "https://example.org/"\n',
                {"content/post/a.md": post("title: A\ndate: 2024-01-01T10:00:00Z")})
    output = build(root, tmp_path / "work")
    page = output.by_file()["post/a.md"]
    assert (page["path"], page["date"]) == ("/post/a/", "2024-01-01T10:00:00+00:00")
    assert json.dumps(page)
