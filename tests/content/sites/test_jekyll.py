"""The Jekyll reader: a site's settings, files, front matter and old addresses, as Jekyll
itself has them. Where Debian's ``jekyll`` is installed, the fixture site is built with it and
its output is the ground truth."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.content import sites
from app.content.metadata import ArticleMeta, MetaSettings
from app.content.planning import read_translated
from app.content.render import render_markdown
from app.content.sites import SiteConfig, Translated, jekyll

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sites" / "jekyll"
BLOG = FIXTURES / "blog"
POSTS = ["_posts/2020-01-02-hello-world.md", "_posts/2021-05-06-perma-link.md",
         "_posts/2021-05-07-no-front-matter.md", "_posts/2021-06-01-unpublished.md",
         "_posts/2022-07-08-café-au-lait.md", "_posts/guides/2020-02-03-Sub-Folder-Post.md",
         "news/_posts/2020-03-04-news-item.md"]
PAGES = ["about.md", "contact.html", "team/index.md"]


def settings_of(config: SiteConfig) -> MetaSettings:
    return MetaSettings(source=config.source, **config.overrides)


def read(root: Path, rel: str,
         config: SiteConfig | None = None) -> tuple[ArticleMeta, Translated, list[Any]]:
    config = config or sites.detect(root)
    return read_translated((root / rel).read_bytes(), rel, settings_of(config))


def write_site(root: Path, config: str, files: dict[str, str]) -> Path:
    (root / "_config.yml").write_text(config, encoding="utf-8")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def blog() -> SiteConfig:
    return sites.detect(BLOG)


def test_the_config_file_names_the_engine(tmp_path: Path) -> None:
    assert jekyll.find_config(tmp_path) is None
    (tmp_path / "_config.yaml").write_text("title: x\n")
    assert jekyll.find_config(tmp_path) == tmp_path / "_config.yaml"
    assert sites.detect(tmp_path).source.engine == "jekyll"


def test_settings_that_change_what_posts_mean(blog: SiteConfig) -> None:
    assert blog.config_file == "_config.yml"
    assert blog.overrides == {"timezone": "America/New_York", "dialect": "gfm",
                              "math_inline_dollars": False, "static_dirs": (".",),
                              "default_author": "Ada Lovelace"}
    settings = blog.source.settings
    assert settings["baseurl"] == "/blog"
    assert settings["permalink"] == "/:categories/:year/:month/:day/:title:output_ext"
    assert settings["site"]["title"] == "Fixture Blog"
    assert "timezone: America/New_York" in blog.taken
    assert "not imported: index.html (lists site.posts with a Liquid loop; Folio makes its " \
        "own lists)" in blog.taken


@pytest.mark.parametrize(("config", "dialect"), [
    ("title: x\n", "gfm"),  # Jekyll 4's kramdown reads GFM by default
    ("kramdown:\n  input: GFM\n", "gfm"),
    ("kramdown:\n  input: kramdown\n", "folio"),
    ("markdown: CommonMarkGhPages\n", "gfm"),
])
def test_the_markdown_dialect(tmp_path: Path, config: str, dialect: str) -> None:
    write_site(tmp_path, config, {})
    assert sites.detect(tmp_path).overrides["dialect"] == dialect


def test_a_site_without_timezone_or_author_reads_dates_in_utc(tmp_path: Path) -> None:
    config = sites.detect(write_site(tmp_path, "author:\n  email: a@example.org\n", {}))
    assert config.overrides["timezone"] == "UTC"
    assert "default_author" not in config.overrides


def test_an_unreadable_config_names_its_line(tmp_path: Path) -> None:
    write_site(tmp_path, "title: x\nbaseurl: [unclosed\n", {})
    with pytest.raises(sites.ConfigError) as raised:
        sites.detect(tmp_path)
    assert (raised.value.config_file, raised.value.line) == ("_config.yml", 3)


def test_settings_not_read_are_named(tmp_path: Path) -> None:
    config = sites.detect(write_site(tmp_path, "title: x\ncollections:\n  recipes:\n"
                                     "    output: true\n", {}))
    assert [(n.line, n.message.split(":")[0]) for n in config.unread] == [(2, "collections")]


def test_discover_finds_what_jekyll_publishes(blog: SiteConfig) -> None:
    found = sites.reader_for(blog.source).discover(BLOG)
    assert found == sorted([*POSTS, "_drafts/a-draft.md", *PAGES])


def test_exclude_and_include(tmp_path: Path) -> None:
    page = "---\ntitle: P\n---\nText.\n"
    write_site(tmp_path, "exclude: [drafts-old, '*.tmp.md']\ninclude: [_pages]\n", {
        "a.md": page, "drafts-old/b.md": page, "c.tmp.md": page, "_pages/d.md": page,
        "_private/e.md": page, ".hidden/f.md": page, "node_modules/x/g.md": page,
        "no-front-matter.md": "Text.\n", "backup.md~": page})
    config = sites.detect(tmp_path)
    assert sites.reader_for(config.source).discover(tmp_path) == ["_pages/d.md", "a.md"]


def test_tags_split_on_spaces(blog: SiteConfig) -> None:
    meta, _, _ = read(BLOG, "_posts/2020-01-02-hello-world.md", blog)
    assert meta.tags == ["alpha", "beta", "python"]


def test_a_singular_tag_is_one_name_and_wins(blog: SiteConfig) -> None:
    meta, _, _ = read(BLOG, "_posts/guides/2020-02-03-Sub-Folder-Post.md", blog)
    assert meta.tags == ["solo tag"]
    assert meta.category == "Guides"
    assert meta.extra["jekyll"] == {"slug": "My Custom Slug", "categories": ["Guides", "how to"]}
    assert meta.slug == "my-custom-slug"


def test_folders_above_posts_are_categories_and_defaults_apply(blog: SiteConfig) -> None:
    meta, _, _ = read(BLOG, "news/_posts/2020-03-04-news-item.md", blog)
    assert meta.category == "news"
    assert meta.extra["jekyll"]["categories"] == ["news", "Release Notes"]
    assert meta.tags == ["from-defaults"]
    assert meta.extra["layout"] == "post"


def test_dates_and_authors(blog: SiteConfig) -> None:
    meta, _, _ = read(BLOG, "_posts/2020-01-02-hello-world.md", blog)
    assert meta.published_at == dt.datetime(2020, 1, 3, 7, 30, tzinfo=dt.UTC)
    assert meta.authors == ["Ada Lovelace"]
    named, _, _ = read(BLOG, "_posts/2022-07-08-café-au-lait.md", blog)
    assert named.published_at == dt.datetime(2022, 7, 8, 4, tzinfo=dt.UTC)  # midnight, New York


def test_a_post_without_front_matter(blog: SiteConfig) -> None:
    meta, translated, _ = read(BLOG, "_posts/2021-05-07-no-front-matter.md", blog)
    assert meta.title == "No Front Matter"
    assert translated.raw.body.startswith("Written for Fixture Blog with no front matter.")


def test_authors_excerpt_and_last_modified(tmp_path: Path) -> None:
    write_site(tmp_path, "author: Site Author\n", {
        "_posts/2020-01-01-a.md": "---\ntitle: A\nauthor:\n  name: Grace Hopper\n"
                                  "excerpt: Written by hand.\nlast_modified_at: 2020-02-01\n"
                                  "---\nText.\n",
        "_posts/2020-01-02-b.md": "---\ntitle: B\nauthors: [Ada, Grace]\n---\nText.\n"})
    first, _, _ = read(tmp_path, "_posts/2020-01-01-a.md")
    second, _, _ = read(tmp_path, "_posts/2020-01-02-b.md")
    assert (first.authors, first.excerpt) == (["Grace Hopper"], "Written by hand.")
    assert first.updated_at == dt.datetime(2020, 2, 1, tzinfo=dt.UTC)
    assert second.authors == ["Ada", "Grace"]


def test_unpublished_posts_and_drafts_are_drafts(blog: SiteConfig) -> None:
    unpublished, _, _ = read(BLOG, "_posts/2021-06-01-unpublished.md", blog)
    draft, _, _ = read(BLOG, "_drafts/a-draft.md", blog)
    assert unpublished.draft and draft.draft
    assert unpublished.old_addresses == [] and draft.old_addresses == []
    assert draft.published_at is not None
    assert abs(draft.published_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_redirects_and_permalink_of_a_post(blog: SiteConfig) -> None:
    meta, translated, notices = read(BLOG, "_posts/2021-05-06-perma-link.md", blog)
    assert translated.addresses == ["/blog/old/path/", "/blog/older.html"]
    assert meta.old_addresses == ["/blog/old/path/", "/blog/older.html",
                                  "/blog/custom/2021/perma-link/"]
    assert meta.aliases == []  # exact old paths, not slugs under /posts/
    assert meta.extra["redirect_to"] == "https://example.com/moved"
    assert [(n.line, n.message.split(":")[0]) for n in notices] == [(8, "redirect_to")]


def test_a_bare_image_name_is_found_where_the_layouts_look(blog: SiteConfig) -> None:
    meta, _, _ = read(BLOG, "_posts/2020-01-02-hello-world.md", blog)
    assert meta.image == "/assets/images/cover.png"


def test_pages(blog: SiteConfig) -> None:
    about, _, _ = read(BLOG, "about.md", blog)
    contact, translated, _ = read(BLOG, "contact.html", blog)
    team, _, _ = read(BLOG, "team/index.md", blog)
    assert [(m.kind, m.title, m.address, m.old_addresses) for m in (about, contact, team)] == [
        ("page", "About", "/about", ["/blog/about.html"]),
        ("page", "Get in touch", "/contact", ["/blog/contact.html"]),
        ("page", "The team", "/team", ["/blog/team/"])]
    assert '<img src="/assets/images/me.png">' in translated.raw.body


def test_a_page_address_from_its_permalink(tmp_path: Path) -> None:
    write_site(tmp_path, "permalink: pretty\n", {
        "FAQ.html": "---\n---\n<p>Questions.</p>\n",
        "about.md": "---\ntitle: About\npermalink: /who/we-are/\n---\nUs.\n"})
    faq, _, _ = read(tmp_path, "FAQ.html")
    about, _, _ = read(tmp_path, "about.md")
    assert (faq.title, faq.address, faq.old_addresses) == ("FAQ", "/faq", ["/FAQ/"])
    assert (about.address, about.old_addresses) == ("/who/we-are", ["/who/we-are/"])


def test_body_constructs_are_counted(blog: SiteConfig) -> None:
    _, translated, _ = read(BLOG, "about.md", blog)
    assert translated.raw.body.strip() == ("About this blog. Start with [the first post]"
                                            "(/_posts/2020-01-02-hello-world.md).")
    assert translated.translated == {"link": 1}
    assert not translated.left


def test_left_constructs_are_reported_at_their_file_line(tmp_path: Path) -> None:
    write_site(tmp_path, "title: x\n", {"_posts/2020-01-01-a.md":
               "---\ntitle: A\n---\nText.\n\n{% include toc.html %}\n{% include x.html %}\n"})
    _, translated, notices = read(tmp_path, "_posts/2020-01-01-a.md")
    assert translated.left == {"include": 2}
    assert [(n.line, n.message) for n in notices] == [
        (6, "{% include toc.html %} is not translated; shown as text")]


def test_excerpt_separator_of_the_site_and_of_a_post(blog: SiteConfig) -> None:
    _, news, _ = read(BLOG, "news/_posts/2020-03-04-news-item.md", blog)
    assert "The news, <!--more--> then the rest." in news.raw.body
    assert render_markdown(news.raw.body).excerpt == "The news,"


@pytest.mark.parametrize(("style", "post", "page"), [
    ("date", "/guides/how%20to/2020/02/03/My-Custom-Slug.html", "/about.html"),
    ("pretty", "/guides/how%20to/2020/02/03/My-Custom-Slug/", "/about/"),
    ("ordinal", "/guides/how%20to/2020/034/My-Custom-Slug.html", "/about.html"),
    ("weekdate", "/guides/how%20to/2020/W06/Mon/My-Custom-Slug.html", "/about"),
    ("none", "/guides/how%20to/My-Custom-Slug.html", "/about.html"),
    ("/:year/:i_month/:slug:output_ext", "/2020/2/my-custom-slug.html", "/about.html"),
    ("/blog/:title/", "/blog/My-Custom-Slug/", "/about/"),
])
def test_permalink_styles(tmp_path: Path, style: str, post: str, page: str) -> None:
    site = _copy_blog(tmp_path, f"permalink: {style}\n")
    meta, _, _ = read(site, "_posts/guides/2020-02-03-Sub-Folder-Post.md")
    about, _, _ = read(site, "about.md")
    assert meta.old_addresses == ["/blog" + post]
    assert about.old_addresses == ["/blog" + page]


def test_site_redirects(blog: SiteConfig) -> None:
    reader = sites.reader_for(blog.source)
    assert reader.site_redirects(["python", "alpha"], ["news"], ["Ada Lovelace"]) == {
        "/blog/feed.xml": "/feed.xml", "/blog/": "/",
        "/blog/archive.html": "/archive", "/blog/archive": "/archive",
        "/blog/tag/python.html": "/tags/python", "/blog/tag/python": "/tags/python"}
    # A tag page for a tag no post has leads nowhere in Folio: no redirect.
    assert "/blog/tag/python" not in reader.site_redirects([], [], [])


def test_jekyll_archives_pages(tmp_path: Path) -> None:
    write_site(tmp_path, "plugins: [jekyll-archives]\njekyll-archives:\n  enabled: [tags]\n", {})
    reader = sites.reader_for(sites.detect(tmp_path).source)
    assert reader.site_redirects(["Machine Learning"], ["news"], []) == {
        "/tag/machine-learning/": "/tags/machine-learning"}


def test_jekyll_feed_of_each_tag_and_category(tmp_path: Path) -> None:
    write_site(tmp_path, "plugins: [jekyll-feed]\nfeed:\n  categories: [news]\n"
               "  tags:\n    except: [old]\n", {})
    reader = sites.reader_for(sites.detect(tmp_path).source)
    assert reader.site_redirects(["python", "old", "two words"], ["news", "misc"], []) == {
        "/feed/news.xml": "/categories/news/feed.xml",
        "/feed/by_tag/python.xml": "/tags/python/feed.xml"}


@pytest.mark.parametrize(("index", "imported"), [
    ("---\nlayout: home\n---\n", False),
    ("---\ntitle: Welcome\n---\nA home page with words of its own.\n", True),
])
def test_the_home_page(tmp_path: Path, index: str, imported: bool) -> None:
    write_site(tmp_path, "baseurl: /b\n", {"index.md": index})
    config = sites.detect(tmp_path)
    reader = sites.reader_for(config.source)
    assert reader.discover(tmp_path) == (["index.md"] if imported else [])
    if imported:
        meta, _, _ = read(tmp_path, "index.md", config)
        assert (meta.address, meta.old_addresses) == ("/home", ["/b/"])
    else:
        assert reader.site_redirects([], [], []) == {"/b/": "/"}


def test_an_unknown_time_zone_is_named(tmp_path: Path) -> None:
    config = sites.detect(write_site(tmp_path, "title: x\ntimezone: Mars/Olympus\n", {}))
    assert config.overrides["timezone"] == "UTC"
    assert [(n.line, n.message.split(":")[0]) for n in config.unread] == [(2, "timezone")]


@pytest.mark.parametrize(("rel", "names"), [
    ("_posts/2020-01-01-a.md", ["2020-01-01-a"]),
    ("_posts/sub/2020-01-01-b.md", ["sub/2020-01-01-b", "2020-01-01-b"]),
    ("cat/_posts/2020-01-01-c.markdown", ["cat/2020-01-01-c", "2020-01-01-c"]),
])
def test_post_url_names(rel: str, names: list[str]) -> None:
    assert sorted(jekyll.post_names([rel])) == sorted(names)


def test_a_bare_post_url_name_shared_by_two_posts_is_not_guessed() -> None:
    names = jekyll.post_names(["_posts/a/2020-01-01-x.md", "_posts/b/2020-01-01-x.md"])
    assert "2020-01-01-x" not in names


def test_front_matter_defaults_precedence() -> None:
    defaults = [
        {"scope": {"path": ""}, "values": {"layout": "a", "author": "Site"}},
        {"scope": {"path": "", "type": "posts"}, "values": {"layout": "b"}},
        {"scope": {"path": "_posts/2020"}, "values": {"layout": "c"}},
        {"scope": {"path": "projects/*"}, "values": {"layout": "d"}},
        {"scope": {"type": "pages"}, "values": {"layout": "e"}},
    ]
    assert jekyll.frontmatter_defaults(defaults, "_posts/2020-01-01-a.md", "posts") == {
        "layout": "c", "author": "Site"}
    assert jekyll.frontmatter_defaults(defaults, "_posts/2019-01-01-a.md", "posts") == {
        "layout": "b", "author": "Site"}
    assert jekyll.frontmatter_defaults(defaults, "projects/x/index.md", "pages")["layout"] == "d"
    assert jekyll.frontmatter_defaults(defaults, "about.md", "pages")["layout"] == "e"


@pytest.mark.parametrize(("text", "mode", "cased", "slug"), [
    ("The _config.yml file", "default", False, "the-config-yml-file"),
    ("The _config.yml file", "pretty", False, "the-_config.yml-file"),
    ("The _config.yml file", "pretty", True, "The-_config.yml-file"),
    ("ünïcode title", "pretty", True, "ünïcode-title"),
    ("a  b", "raw", False, "a-b"),
])
def test_jekyll_slugify(text: str, mode: str, cased: bool, slug: str) -> None:
    assert jekyll.jekyll_slugify(text, mode, cased=cased) == slug


def test_escape_path_percent_encodes_as_jekyll() -> None:
    assert jekyll.escape_path("plain/path-1.html") == "plain/path-1.html"
    assert jekyll.escape_path("café society") == "caf%C3%A9%20society"


# Jekyll itself, where it is installed.

needs_jekyll = pytest.mark.skipif(shutil.which("jekyll") is None,
                                  reason="Debian's jekyll is not installed")


def _copy_blog(tmp_path: Path, extra_config: str = "") -> Path:
    site = tmp_path / "site"
    shutil.copytree(BLOG, site)
    if extra_config:
        with (site / "_config.yml").open("a", encoding="utf-8") as config:
            config.write(extra_config)
    return site


def jekyll_build(site: Path, destination: Path) -> dict[str, dict[str, Any]]:
    """Build ``site`` with Jekyll; what each post's and page's layout wrote (JSON), by path."""
    subprocess.run(["jekyll", "build", "--quiet", "--disable-disk-cache", "-s", str(site),
                    "-d", str(destination)], check=True, capture_output=True, timeout=120,
                   env={**os.environ, "JEKYLL_NO_BUNDLER_REQUIRE": "true"})
    built = {}
    for page in destination.rglob("*.html"):
        text = page.read_text(encoding="utf-8").strip()
        if text.startswith("{"):
            data = json.loads(text)
            built[data["path"]] = data
    return built


@needs_jekyll
def test_posts_as_jekyll_builds_them(tmp_path: Path) -> None:
    site = _copy_blog(tmp_path)
    built = jekyll_build(site, tmp_path / "built")
    config = sites.detect(site)
    published = [rel for rel in POSTS if "unpublished" not in rel]
    assert sorted(rel for rel in built if "_posts/" in rel) == sorted(published)
    for rel in published:
        meta, translated, _ = read(site, rel, config)
        truth = built[rel]
        assert meta.old_addresses[-1] == "/blog" + truth["url"], rel
        assert meta.published_at == dt.datetime.fromisoformat(truth["date"]), rel
        assert meta.title == truth["title"], rel
        assert meta.tags == truth["tags"], rel
        assert meta.extra["jekyll"]["categories"] == truth["categories"], rel
        excerpt = render_markdown(translated.raw.body, title=meta.title).excerpt
        assert excerpt == " ".join(truth["excerpt"].split()), rel


@needs_jekyll
def test_pages_as_jekyll_builds_them(tmp_path: Path) -> None:
    site = _copy_blog(tmp_path)
    built = jekyll_build(site, tmp_path / "built")
    config = sites.detect(site)
    pages = sorted(rel for rel in built if "_posts/" not in rel)
    assert pages == sorted([*PAGES, "archive.html", "tag/python.md"])
    for rel in PAGES:
        meta, _, _ = read(site, rel, config)
        assert meta.old_addresses == ["/blog" + built[rel]["url"]], rel
    # The pages a layout makes are not imported: their addresses lead to Folio's lists.
    redirects = sites.reader_for(config.source).site_redirects(["python"], [], [])
    for rel in ("archive.html", "tag/python.md"):
        assert "/blog" + built[rel]["url"] in redirects


@needs_jekyll
@pytest.mark.parametrize("style", ["pretty", "weekdate",
                                   "/:categories/:short_year/:long_month/:slug/",
                                   "/:year/:i_day/:y_day/:name:output_ext"])
def test_permalink_styles_as_jekyll_builds_them(tmp_path: Path, style: str) -> None:
    site = _copy_blog(tmp_path, f"permalink: {style}\n")
    built = jekyll_build(site, tmp_path / "built")
    config = sites.detect(site)
    for rel, truth in built.items():
        if "url" in truth and rel in POSTS + PAGES and "perma-link" not in rel:
            meta, _, _ = read(site, rel, config)
            assert meta.old_addresses[-1] == "/blog" + truth["url"], rel
