"""Pelican sites: pelicanconf.py read without running it, the files Pelican would read, their
header as house metadata, and the addresses the old site had. The fixture site
(tests/fixtures/sites/pelican/basic) names each content file after the case it covers."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from app.content import sites
from app.content.metadata import ArticleMeta, MetaSettings, normalise
from app.content.problems import ContentError, Notice
from app.content.reader import decode
from app.content.render import render_markdown
from app.content.sites import ConfigError, SiteConfig, Translated
from app.content.sites.pelican import Reader, parse_header
from app.content.sites.pelican_config import pelican_date, pelican_slugify

SITE = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "pelican" / "basic"
PARIS = dt.timezone(dt.timedelta(hours=2))  # summer time
CET = dt.timezone(dt.timedelta(hours=1))


def settings_of(site: SiteConfig) -> MetaSettings:
    overrides = dict(site.overrides)
    overrides["static_dirs"] = tuple(overrides["static_dirs"])
    return replace(MetaSettings(), source=site.source, **overrides)


def configured(root: Path) -> tuple[SiteConfig, Reader]:
    site = sites.detect(root)
    reader = sites.reader_for(site.source)
    assert isinstance(reader, Reader)
    return site, reader


def read(rel: str, root: Path = SITE) -> tuple[Translated, ArticleMeta, list[Notice], Reader]:
    site, reader = configured(root)
    text, _ = decode((root / rel).read_bytes())
    companions = {path: (root / path).read_text(encoding="utf-8")
                  for path in reader.companions(rel) if (root / path).is_file()}
    translated = reader.read(text, rel, companions)
    meta, notices = normalise(translated.raw, rel.rsplit("/", 1)[-1], settings_of(site),
                              in_pages_folder=reader.is_page(rel))
    return translated, meta, notices, reader


def site_with(tmp_path: Path, config: str, files: dict[str, str] | None = None) -> Path:
    (tmp_path / "pelicanconf.py").write_text(config, encoding="utf-8")
    for rel, text in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


# pelicanconf.py

def test_the_fixture_site_is_recognised_by_its_pelicanconf() -> None:
    site = sites.detect(SITE)
    assert site.source.engine == "pelican"
    assert site.config_file == "pelicanconf.py"
    assert site.overrides == {"timezone": "Europe/Paris", "static_dirs": ("content",),
                              "maths": False, "math_inline_dollars": False,
                              "default_author": "Ada Lovelace"}
    assert "PATH: 'content'" in site.taken
    assert site.unread == []  # OUTPUT_PATH is computed, but Folio does not use it


def test_settings_are_literal_values_and_earlier_names(tmp_path: Path) -> None:
    root = site_with(tmp_path, "SITESUBTITLE = 'Notes'\nSITEURL = 'https://a.example'\n"
                               "FEED_DOMAIN = SITEURL\nAUTHOR = 'Bo' + 'b'\n"
                               "STATIC_PATHS = ['images']\nSTATIC_PATHS += ['extra']\n"
                               "ARTICLE_PATHS = ['posts']\nARTICLE_PATHS.append('notes')\n"
                               "TIMEZONE: str = 'Asia/Tokyo'\n")
    settings = sites.detect(root).source.settings
    assert settings["FEED_DOMAIN"] == "https://a.example"
    assert settings["AUTHOR"] == "Bob"
    assert settings["STATIC_PATHS"] == ["images", "extra"]
    assert settings["ARTICLE_PATHS"] == ["posts", "notes"]
    assert settings["TIMEZONE"] == "Asia/Tokyo"


@pytest.mark.parametrize(("assignment", "shown"), [
    ("PATH = os.path.join(os.getcwd(), 'content')", "os.path.join(os.getcwd(), 'content')"),
    ("ARTICLE_URL = f'{YEAR}/{{slug}}.html'", "f'{YEAR}/{{slug}}.html'"),
    ("STATIC_PATHS = sorted(['b', 'a'])", "sorted(['b', 'a'])"),
    ("ARTICLE_URL = UNKNOWN_NAME", "UNKNOWN_NAME"),
    ("if True:\n    FEED_ALL_ATOM = 'x.xml'", "set inside if block"),
    ("from settings_elsewhere import TIMEZONE", "an import"),
])
def test_computed_settings_folio_uses_are_named_with_their_line(
        tmp_path: Path, assignment: str, shown: str) -> None:
    root = site_with(tmp_path, f"import os\nTIMEZONE = 'UTC'\nYEAR = 2020\n{assignment}\n"
                               "THEME = os.path.join('a', 'b')\n")
    site = sites.detect(root)
    name = next(word for word in ("STATIC_PATHS", "ARTICLE_URL", "FEED_ALL_ATOM", "TIMEZONE",
                                  "PATH") if word in assignment)
    [notice] = [n for n in site.unread if n.message.startswith(name)]
    assert notice.line == 4
    assert shown in notice.message
    assert "default" in notice.message
    assert not any("THEME" in n.message for n in site.unread)  # Folio does not use THEME


def test_a_computed_value_replaces_the_literal_before_it(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\nARTICLE_URL = 'a/{slug}.html'\n"
                               "ARTICLE_URL = make_url()\n")
    site = sites.detect(root)
    assert site.source.settings["ARTICLE_URL"] == "{slug}.html"  # Pelican's default
    assert [n.line for n in site.unread] == [3]


def test_a_missing_timezone_is_utc_with_a_notice(tmp_path: Path) -> None:
    site = sites.detect(site_with(tmp_path, "AUTHOR = 'Ann'\n"))
    assert site.overrides["timezone"] == "UTC"
    assert any("TIMEZONE is not set" in n.message for n in site.unread)


def test_an_unknown_timezone_is_utc_with_a_notice(tmp_path: Path) -> None:
    site = sites.detect(site_with(tmp_path, "TIMEZONE = 'Mars/Olympus'\n"))
    assert site.overrides["timezone"] == "UTC"
    assert [n.line for n in site.unread if "Mars/Olympus" in n.message] == [1]


def test_a_string_where_a_list_belongs_falls_back_as_pelican_does(tmp_path: Path) -> None:
    site = sites.detect(site_with(tmp_path, "TIMEZONE = 'UTC'\nSTATIC_PATHS = 'images'\n"))
    assert site.source.settings["STATIC_PATHS"] == ["images"]
    assert any("STATIC_PATHS must be a list" in n.message for n in site.unread)


def test_pelicanconf_that_is_not_python_stops_the_import(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\nPATH = 'content\n")
    with pytest.raises(ConfigError) as caught:
        sites.detect(root)
    assert caught.value.config_file == "pelicanconf.py"
    assert caught.value.line == 2


def test_pelicanconf_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    root = site_with(tmp_path, f"open({str(marker)!r}, 'w').write('x')\nTIMEZONE = 'UTC'\n")
    sites.detect(root)
    assert not marker.exists()


def test_publishconf_is_read_on_top_and_old_feed_spellings_are_moved() -> None:
    settings = sites.detect(SITE).source.settings
    assert settings["SITEURL"] == "https://notes.example.org"  # publishconf.py
    assert settings["CATEGORY_FEED_RSS"] == "feeds/{slug}.rss.xml"  # was feeds/%s.rss.xml
    assert settings["ARTICLE_URL"] == "posts/{date:%Y}/{date:%m}/{slug}/"  # pelicanconf.py


def test_an_absolute_path_is_taken_from_inside_the_site(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    site = sites.detect(site_with(tmp_path, "TIMEZONE = 'UTC'\nPATH = '/home/me/blog/content'\n"))
    assert site.source.settings["PATH"] == "content"
    assert any("absolute path" in n.message for n in site.unread)


def test_a_math_plugin_makes_dollars_maths(tmp_path: Path) -> None:
    site = sites.detect(site_with(tmp_path, "TIMEZONE = 'UTC'\nPLUGINS = ['render_math']\n"))
    assert site.overrides["maths"] is True
    assert site.overrides["math_inline_dollars"] is True


def test_without_a_math_plugin_escaped_brackets_are_brackets(tmp_path: Path) -> None:
    # Pelican renders no maths of its own: a real post's "0.9% done \\[1 of 111\\]" became
    # display maths in the middle of a list item.
    site = sites.detect(site_with(tmp_path, "TIMEZONE = 'UTC'\n"))
    settings = replace(MetaSettings(), **site.overrides)
    rendered = render_markdown("* stats: 0.9% done \\[1 of 111\\], [\\[ed\\]](https://x.test)",
                               maths=settings.maths)
    assert rendered.html == ('<ul>\n<li>stats: 0.9% done [1 of 111], '
                             '<a href="https://x.test">[ed]</a></li>\n</ul>')


# Which files: Pelican's generators.

def test_discover_finds_articles_pages_and_notebooks_as_pelican_does() -> None:
    _, reader = configured(SITE)
    found = reader.discover(SITE)
    assert "content/2019/article_folder_category.md" in found
    assert "content/pages/about.md" in found
    assert "content/notebook_with_sidecar.ipynb" in found
    assert "content/drafts-folder/excluded_by_article_excludes.md" not in found
    assert "content/ignored_by_pattern.wip.md" not in found  # IGNORE_FILES
    assert "content/.hidden_file.md" not in found
    assert "content/not_markdown.rst" not in found
    assert reader.skipped(SITE) == ["content/not_markdown.rst"]
    assert found == sorted(found)
    assert len(found) == 16


def test_pages_are_those_under_page_paths() -> None:
    _, reader = configured(SITE)
    assert reader.is_page("content/pages/about.md")
    assert not reader.is_page("content/article_with_header.md")
    assert not reader.is_page("pages/about.md")  # outside PATH


def test_page_paths_are_not_articles_and_excludes_are_folders(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\nARTICLE_PATHS = ['blog']\n"
                               "PAGE_PATHS = ['blog/about']\nPAGE_EXCLUDES = ['blog/about/old']\n",
                     {"blog/a.md": "", "blog/about/me.md": "", "blog/about/old/x.md": "",
                      "elsewhere.md": "", "blog/b.markdown": "", "blog/c.mdown": "",
                      "blog/d.txt": ""})
    _, reader = configured(root)
    assert reader.discover(root) == ["blog/a.md", "blog/about/me.md", "blog/b.markdown",
                                     "blog/c.mdown"]
    assert reader.is_page("blog/about/me.md")
    assert not reader.is_page("blog/about/old/x.md")


def test_notebooks_without_a_plugin_need_their_metadata_beside_them(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n",
                     {"a.ipynb": "{}", "b.ipynb": "{}", "b.nbdata": "Title: B\n",
                      "c.ipynb": "{}", "c.ipynb-meta": "Title: C\n"})
    _, reader = configured(root)
    assert reader.discover(root) == ["b.ipynb", "c.ipynb"]
    assert reader.companions("b.ipynb") == ["b.ipynb-meta", "b.nbdata"]
    assert reader.companions("a.md") == []


# The header.

def test_header_lines_as_pythons_markdown_meta_extension_reads_them() -> None:
    header = parse_header("Title: One\nTAGS: a, b\nsummary: first\n    second\n"
                          "not a key line\nBody\n")
    assert header.fields == {"title": ("One", 1), "tags": ("a, b", 2),
                             "summary": ("first\nsecond", 3)}
    assert header.body == "not a key line\nBody\n"
    assert header.body_line == 5


def test_a_blank_line_ends_the_header_and_is_not_the_body() -> None:
    header = parse_header("Title: One\n\nBody: not a key\n")
    assert header.fields == {"title": ("One", 1)}
    assert (header.body, header.body_line) == ("Body: not a key\n", 3)


def test_a_repeated_key_pelican_reads_once_takes_the_first_with_a_notice() -> None:
    header = parse_header("Title: T\nDate: 2020-01-01\nDate: 2021-01-01\n\nx")
    assert header.fields["date"] == ("2020-01-01", 2)
    assert [n.line for n in header.notices] == [2]


def test_the_usual_header() -> None:
    translated, meta, notices, _ = read("content/article_with_header.md")
    assert meta.title == "An article with the usual header"
    assert meta.published_at == dt.datetime(2019, 7, 14, 10, 30, tzinfo=PARIS)
    assert meta.updated_at == dt.datetime(2019, 7, 20, 8, 5, tzinfo=PARIS)
    assert translated.raw.meta["date"] == "2019-07-14T10:30:00+02:00"
    assert meta.authors == ["Ada Lovelace", "Charles Babbage"]
    assert meta.tags == ["python", "static sites"]  # Python is python, as one tag page
    assert meta.category == "Engines"
    assert meta.excerpt == "A summary in Markdown, with a link."
    assert meta.slug == "an-article-with-the-usual-header"
    assert meta.extra == {"lang": "en", "template": "article"}
    assert meta.line_of("category") == 4
    assert notices == []
    assert translated.raw.body_line == 11


def test_the_slug_is_pelicans_from_the_title() -> None:
    _, meta, _, _ = read("content/article_slug_from_title.md")
    assert meta.slug == "slugs-from-the-title-unicode-all"


def test_an_explicit_slug_is_folios_but_the_old_address_keeps_it() -> None:
    _, meta, _, reader = read("content/article_explicit_slug.md")
    assert meta.slug == "3-6-new"
    assert reader.old_addresses(meta, "content/article_explicit_slug.md") == [
        "/posts/2017/01/3.6_new/", "/posts/2017/01/3.6_new/index.html"]


def test_the_folder_is_the_category_and_author_is_one_name() -> None:
    _, meta, _, _ = read("content/2019/article_folder_category.md")
    assert meta.category == "2019"
    assert meta.authors == ["Charles Babbage"]
    assert meta.published_at == dt.datetime(2019, 3, 1, 9, 0, tzinfo=CET)


def test_no_category_and_no_folder_is_the_default_category_and_author() -> None:
    _, meta, _, _ = read("content/article_default_category.md")
    assert meta.category == "misc"
    assert meta.author == "Ada Lovelace"  # AUTHOR


def test_status_draft_is_a_draft_with_no_old_address() -> None:
    _, meta, _, reader = read("content/article_status_draft.md")
    assert meta.draft
    assert meta.extra["status"] == "draft"
    assert reader.old_addresses(meta, "content/article_status_draft.md") == []


def test_status_hidden_is_published_with_the_status_kept() -> None:
    _, meta, _, reader = read("content/article_status_hidden.md")
    assert not meta.draft
    assert meta.extra["status"] == "hidden"
    assert reader.old_addresses(meta, "content/article_status_hidden.md")[0] == \
        "/posts/2020/02/a-hidden-article/"


@pytest.mark.parametrize(("status", "draft"), [("published", False), ("Published", False),
                                               ("skip", True), ("archived", True)])
def test_other_statuses(tmp_path: Path, status: str, draft: bool) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n",
                     {"a.md": f"Title: A\nDate: 2020-01-01\nStatus: {status}\n\nx\n"})
    translated, meta, _, _ = read("a.md", root)
    assert meta.draft is draft
    assert bool(translated.raw.notices) is (status.lower() not in ("published",))


def test_continuation_lines_are_read_whole_with_a_notice() -> None:
    translated, meta, _, _ = read("content/article_continuation_lines.md")
    assert meta.title == "A title that goes on over two lines"
    assert meta.excerpt == "A summary on two lines."
    assert [n.line for n in translated.raw.notices] == [1]


def test_a_yaml_header_is_read_as_yaml() -> None:
    _, meta, _, _ = read("content/article_yaml_header.md")
    assert meta.title == "A YAML header: with a colon"
    assert meta.tags == ["yaml", "metadata"]
    assert meta.category == "Engines"
    assert meta.published_at == dt.datetime(2021, 6, 1, 18, 0, tzinfo=PARIS)


def test_a_dashed_block_of_plain_lines_is_read_as_pelican_does(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n",
                     {"a.md": "---\nTitle: C++: the good parts\nDate: 2020-01-01\n---\n\nx\n"})
    _, meta, _, _ = read("a.md", root)
    assert meta.title == "C++: the good parts"


def test_a_page_is_at_its_slug_and_in_the_menu() -> None:
    translated, meta, _, reader = read("content/pages/about.md")
    assert meta.kind == "page"
    assert meta.address == "/about-these-notes"
    assert meta.menu == "main"  # DISPLAY_PAGES_ON_MENU
    assert meta.category is None and meta.tags == []
    assert reader.old_addresses(meta, "content/pages/about.md") == [
        "/about-these-notes/", "/about-these-notes/index.html"]
    assert translated.addresses == []


def test_a_hidden_page_with_save_as_keeps_that_address() -> None:
    translated, meta, _, reader = read("content/pages/page_status_hidden_save_as.md")
    assert meta.kind == "page" and meta.menu is None and not meta.draft
    assert meta.published_at is None
    assert translated.addresses == ["/404.html"]
    assert reader.old_addresses(meta, "content/pages/page_status_hidden_save_as.md") == [
        "/not-found/"]


def test_url_and_save_as_in_the_header_are_old_addresses(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n",
                     {"a.md": "Title: A\nDate: 2020-01-01\nURL: old/a/\nSave_as: old/a/index.html"
                              "\n\nx\n"})
    translated, meta, _, reader = read("a.md", root)
    assert translated.addresses == ["/old/a/", "/old/a/index.html"]
    assert reader.old_addresses(meta, "a.md") == []
    assert meta.url is None  # Pelican's URL is not the Folio page address


def test_filename_metadata_gives_the_date(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n", {"2020-02-03-hello.md": "Title: Hi\n\nx\n"})
    _, meta, _, _ = read("2020-02-03-hello.md", root)
    assert meta.published_at == dt.datetime(2020, 2, 3, tzinfo=dt.UTC)
    assert meta.slug == "hi"


def test_default_metadata_and_path_metadata(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\nDEFAULT_METADATA = {'status': 'draft'}\n"
                               r"PATH_METADATA = r'(?P<lang>[a-z]{2})/.*'" "\n",
                     {"fr/a.md": "Title: A\nDate: 2020-01-01\n\nx\n",
                      "b.md": "Title: B\nDate: 2020-01-01\nStatus: published\n\nx\n"})
    _, french, _, reader = read("fr/a.md", root)
    assert french.draft and french.extra["lang"] == "fr"
    assert french.category == "fr"  # the folder
    _, other, _, _ = read("b.md", root)
    assert not other.draft


def test_another_language_takes_the_lang_url(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n",
                     {"a.md": "Title: A\nDate: 2020-01-01\nLang: fr\n\nx\n"})
    _, meta, _, reader = read("a.md", root)
    assert reader.old_addresses(meta, "a.md") == ["/a-fr.html"]


def test_old_addresses_use_category_author_and_the_article_time_zone(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n"
                               "ARTICLE_URL = '{category}/{author}/{date:%Y-%m-%d-%H}/{slug}'\n"
                               "ARTICLE_SAVE_AS = '{category}/{slug}.html'\n",
                     {"a.md": "Title: A\nDate: 2020-01-01 23:30\nTimezone: Asia/Tokyo\n"
                              "Category: Big News\nAuthor: Zoë Ünal\n\nx\n"})
    _, meta, _, reader = read("a.md", root)
    assert meta.published_at == dt.datetime(2020, 1, 1, 14, 30, tzinfo=dt.UTC)
    assert reader.old_addresses(meta, "a.md") == ["/big-news/zoe-unal/2020-01-01-23/a",
                                                  "/big-news/a.html"]


def test_an_address_naming_unknown_metadata_is_left_out(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\nARTICLE_URL = '{series}/{slug}.html'\n",
                     {"a.md": "Title: A\nDate: 2020-01-01\n\nx\n",
                      "b.md": "Title: B\nDate: 2020-01-01\nSeries: intro\n\nx\n"})
    _, first, _, reader = read("a.md", root)
    assert reader.old_addresses(first, "a.md") == ["/a.html"]  # SAVE_AS only
    _, second, _, _ = read("b.md", root)
    assert reader.old_addresses(second, "b.md")[0] == "/intro/b.html"


def test_site_redirects_lead_feeds_and_listings_to_folios() -> None:
    _, reader = configured(SITE)
    found = reader.site_redirects(["Static Sites"], ["Engines"], ["Ada Lovelace"])
    assert found == {
        "/feeds/all.atom.xml": "/feed.xml",
        "/feeds/all.rss.xml": "/rss.xml",
        "/index.html": "/",
        "/tags.html": "/tags/",
        "/categories.html": "/categories/",
        "/authors.html": "/authors/",
        "/archives.html": "/archive/",
        "/category/engines/": "/categories/engines",
        "/category/engines/index.html": "/categories/engines",
        "/feeds/engines.atom.xml": "/categories/engines/feed.xml",
        "/feeds/engines.rss.xml": "/categories/engines/rss.xml",
        "/author/ada-lovelace.html": "/authors/ada-lovelace",
        "/tag/static-sites/": "/tags/static-sites",
        "/tag/static-sites/index.html": "/tags/static-sites",
    }


def test_pelican_3_feed_settings_use_the_slug(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\nCATEGORY_FEED_ATOM = 'feeds/%s.atom.xml'\n"
                               "AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\n")
    _, reader = configured(root)
    assert reader.site_redirects([], ["News"], [])["/feeds/news.atom.xml"] == \
        "/categories/news/feed.xml"


# Notebooks.

def test_a_notebook_takes_its_metadata_from_the_file_beside_it() -> None:
    pytest.importorskip("app.content.notebooks")
    translated, meta, _, reader = read("content/notebook_with_sidecar.ipynb")
    assert meta.title == "A notebook with its metadata beside it"
    assert meta.published_at == dt.datetime(2019, 11, 11, 11, 11, tzinfo=CET)
    assert meta.tags == ["jupyter", "notebooks"]
    assert meta.slug == "notebook-with-sidecar"
    assert "data:image/png;base64," in translated.raw.body
    assert "(/content/article_with_header.md)" in translated.raw.body
    assert reader.old_addresses(meta, "content/notebook_with_sidecar.ipynb") == [
        "/posts/2019/11/notebook-with-sidecar/",
        "/posts/2019/11/notebook-with-sidecar/index.html"]


def test_a_notebook_without_metadata_beside_it_uses_its_own(tmp_path: Path) -> None:
    pytest.importorskip("app.content.notebooks")
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\nMARKUP = ('md', 'ipynb')\n")
    notebook = (SITE / "content" / "notebook_with_sidecar.ipynb").read_text(encoding="utf-8")
    (root / "n.ipynb").write_text(notebook.replace(
        '"metadata": {\n  "kernelspec"',
        '"metadata": {\n  "title": "Own title", "date": "2020-05-05 10:00",\n  "kernelspec"'),
        encoding="utf-8")
    _, meta, _, _ = read("n.ipynb", root)
    assert meta.title == "Own title"
    assert meta.published_at == dt.datetime(2020, 5, 5, 10, tzinfo=dt.UTC)


# Pelican's rules.

@pytest.mark.parametrize(("written", "expected"), [
    ("2017-01-02 10:00", dt.datetime(2017, 1, 2, 10, 0, tzinfo=CET)),
    ("2017-01-02", dt.datetime(2017, 1, 2, tzinfo=CET)),
    ("2017-05-02 9:30", dt.datetime(2017, 5, 2, 9, 30, tzinfo=CET)),
    ("2017-05-02\t 09:30", dt.datetime(2017, 5, 2, 9, 30, tzinfo=CET)),
    ("2017/05/02 09:30:15", dt.datetime(2017, 5, 2, 9, 30, 15, tzinfo=CET)),
    ("2017-05-02T09:30", dt.datetime(2017, 5, 2, 9, 30, tzinfo=CET)),
    ("29 March 2017 8:04 pm", dt.datetime(2017, 3, 29, 20, 4, tzinfo=CET)),
    ("March 29, 2017", dt.datetime(2017, 3, 29, tzinfo=CET)),
    ("03/29/2017", dt.datetime(2017, 3, 29, tzinfo=CET)),
])
def test_dates_pelican_reads_are_in_the_site_time_zone(written: str, expected: dt.datetime
                                                         ) -> None:
    assert pelican_date(written, CET) == expected


@pytest.mark.parametrize(("written", "offset"), [("2017-01-02 10:00 +0500", 5),
                                                 ("2017-01-02T10:00:00-03:00", -3),
                                                 ("2017-01-02 10:00Z", 0)])
def test_a_written_offset_wins(written: str, offset: int) -> None:
    moment = pelican_date(written, dt.UTC)
    assert moment is not None and moment.utcoffset() == dt.timedelta(hours=offset)


@pytest.mark.parametrize("written", ["soon", "2017-02-30", "2017-01-02 25:00"])
def test_not_a_date(written: str) -> None:
    assert pelican_date(written, dt.UTC) is None


def test_a_date_folio_cannot_read_is_reported_at_its_line(tmp_path: Path) -> None:
    root = site_with(tmp_path, "TIMEZONE = 'UTC'\n", {"a.md": "Title: A\nDate: soon\n\nx\n"})
    with pytest.raises(Exception) as caught:
        read("a.md", root)
    [error] = caught.value.errors  # type: ignore[attr-defined]
    assert isinstance(error, ContentError) and error.line == 2


@pytest.mark.parametrize(("title", "slug"), [
    ("Hello, World!", "hello-world"),
    ("  C'est l'été  ", "cest-lete"),
    ("<em>Tagged</em> title &amp; more", "tagged-title-more"),
    ("3.6 new_features", "36-new_features"),
])
def test_pelicans_slugify(title: str, slug: str) -> None:
    settings: dict[str, Any] = sites.detect(SITE).source.settings
    assert pelican_slugify(title, settings) == slug


def test_the_reader_of_a_copy_reads_the_same(tmp_path: Path) -> None:
    shutil.copytree(SITE, tmp_path / "site")
    _, reader = configured(tmp_path / "site")
    assert reader.discover(tmp_path / "site") == configured(SITE)[1].discover(SITE)


def test_a_page_served_from_another_folder_has_its_relative_addresses_rebased() -> None:
    translated, meta, _, _ = read("content/pages/page_saved_elsewhere_relative_links.md")
    assert "![a picture](/images/pixel.png)" in translated.raw.body
    assert translated.translated["relative address"] == 3
    assert translated.addresses == ["/welcome.html"]


# liquid_tags' {% notebook %}: the notebook's cells in the article.

def embedding_site(tmp_path: Path, notebook_dir: str = "notebooks") -> Path:
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    config = root / "pelicanconf.py"
    config.write_text(config.read_text(encoding="utf-8") + "PLUGINS = ['liquid_tags.notebook']\n"
                      f"NOTEBOOK_DIR = {notebook_dir!r}\n", encoding="utf-8")
    (root / "content" / notebook_dir).mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "content" / "notebook_with_sidecar.ipynb",
                root / "content" / notebook_dir / "embedded.ipynb")
    write = root / "content" / "embeds.md"
    write.write_text("Title: Embeds\nDate: 2019-10-02 12:00\n\nBefore.\n\n"
                     "{% notebook embedded.ipynb cells[1:2] %}\n\nBetween.\n\n"
                     "{% notebook embedded.ipynb %}\n\nAfter {% notebook missing.ipynb %}\n",
                     encoding="utf-8")
    return root


def test_the_notebook_tag_embeds_the_cells_it_names(tmp_path: Path) -> None:
    pytest.importorskip("app.content.notebooks")
    root = embedding_site(tmp_path)
    translated, _, notices, reader = read("content/embeds.md", root)
    assert reader.companions("content/embeds.md") == ["content/notebooks/embedded.ipynb",
                                                      "content/notebooks/missing.ipynb"]
    body = translated.raw.body
    first, second = body.split("Between.")
    assert "print('hi')" in first and "# A notebook" not in first  # cells[1:2]: the code
    assert "print('hi')" in second and "A notebook" in second  # all of it
    assert "{% notebook embedded.ipynb" not in body
    assert translated.translated["notebook"] == 2
    # The one whose file is missing stays, reported as before.
    assert "{% notebook missing.ipynb %}" in body and translated.left == {"notebook": 1}


def test_the_embedded_notebooks_are_an_index_not_a_setting(tmp_path: Path) -> None:
    # Adding a tag to one post must not re-render every other post of the site.
    root = embedding_site(tmp_path)
    before = sites.detect(root).source.fingerprint
    (root / "content" / "more.md").write_text(
        "Title: More\nDate: 2019-10-03\n\n{% notebook embedded.ipynb %}\n", encoding="utf-8")
    assert sites.detect(root).source.fingerprint == before


def test_without_liquid_tags_the_tag_is_text_as_pelican_shows_it() -> None:
    translated, _, _, reader = read("content/liquid_notebook_tag.md")
    assert reader.companions("content/liquid_notebook_tag.md") == []
    assert "{% notebook notebook_with_sidecar.ipynb cells[1:2] %}" in translated.raw.body
    assert translated.left == {"notebook": 1}
