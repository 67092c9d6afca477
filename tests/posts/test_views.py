"""The home page and the post page, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import SCRIPT_TITLE, ArticleWriter
from tests.html import parse, text_of


def test_home_lists_published_posts_newest_first(site: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/").get_data(as_text=True))

    titles = [text_of(a) for a in page.cssselect(".post-card__title a")]
    assert titles == ["The Newer Post", "The Middle Post", "The Older Post", "No Contents Here",
                      SCRIPT_TITLE]
    assert len(page.cssselect("h1")) == 1


def test_a_card_shows_everything_about_its_post(site: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/").get_data(as_text=True))
    card = page.cssselect(".post-card")[0]

    assert card.cssselect(".post-card__title a")[0].get("href") == "/posts/newer"
    time = card.cssselect("time")[0]
    assert (time.get("datetime"), text_of(time)) == ("2025-06-01T00:00:00+00:00", "June 1, 2025")
    assert text_of(card.cssselect(".post-meta__author")[0]) == "Grace Hopper"
    assert card.cssselect(".post-meta__author")[0].get("href") == "/authors/grace-hopper"
    assert card.cssselect(".post-meta__category")[0].get("href") == "/categories/compilers"
    assert [a.get("href") for a in card.cssselect(".tag-list a")] == ["/tags/python",
                                                                      "/tags/tools"]
    assert "4 min read" in text_of(card)
    assert text_of(card.cssselect(".post-card__excerpt")[0]) == "What the newer post is about."
    assert card.cssselect("img")[0].get("src") == "/static/images/flask-layers.svg"
    # A card without an image has no empty image box.
    assert not page.cssselect(".post-card")[1].cssselect("img")


def test_home_paginates_with_rel_links(site: Flask, client: FlaskClient) -> None:
    site.config["POSTS_PER_PAGE"] = 2

    first = parse(client.get("/").get_data(as_text=True))
    second = parse(client.get("/?page=2").get_data(as_text=True))
    last = parse(client.get("/?page=3").get_data(as_text=True))

    assert first.cssselect('link[rel="next"]')[0].get("href") == "http://blog.test/?page=2"
    assert not first.cssselect('link[rel="prev"]')
    assert second.cssselect('link[rel="prev"]')[0].get("href") == "http://blog.test/"
    assert second.cssselect('a[rel="prev"]')[0].get("href") == "/"
    assert second.cssselect('a[rel="next"]')[0].get("href") == "/?page=3"
    assert len(last.cssselect(".post-card")) == 1 and not last.cssselect('a[rel="next"]')
    assert "Page 2 of 3" in text_of(second.cssselect(".pagination")[0])
    canonical = second.cssselect('link[rel="canonical"]')[0].get("href")
    assert canonical == "http://blog.test/?page=2"


@pytest.mark.parametrize("page", ["0", "-1", "4", "abc", "1.5", "", "99999999999999999999",
                                  "1e3", " 2"])
def test_pages_that_do_not_exist_are_404(site: Flask, client: FlaskClient, page: str) -> None:
    site.config["POSTS_PER_PAGE"] = 2

    assert client.get("/", query_string={"page": page}).status_code == 404


def test_post_page_shows_the_post(site: Flask, client: FlaskClient) -> None:
    response = client.get("/posts/newer")

    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    assert [text_of(h) for h in page.cssselect("h1")] == ["The Newer Post"]
    assert page.cssselect(".post-meta__author")[0].get("href") == "/authors/grace-hopper"
    published, updated = page.cssselect(".post time")[:2]
    assert published.get("datetime") == "2025-06-01T00:00:00+00:00"
    assert updated.get("datetime") == "2025-07-01T00:00:00+00:00"
    assert "Updated July 1, 2025" in text_of(page.cssselect(".post__updated")[0])
    assert [a.get("href") for a in page.cssselect(".post .tag-list a")] == ["/tags/python",
                                                                            "/tags/tools"]
    hero = page.cssselect(".post__hero img")[0]
    assert (hero.get("src"), hero.get("alt")) == ("/static/images/flask-layers.svg",
                                                   "Layers of a Flask app")
    assert page.cssselect('.highlight span.k') and "pygments.css" in response.get_data(True)
    assert page.cssselect('h2#setup a.heading-anchor[href="#setup"]')
    assert page.cssselect(".footnote li#fn\\:1")


def test_table_of_contents_needs_three_headings(site: Flask, client: FlaskClient,
                                                write_article: ArticleWriter,
                                                runner: FlaskCliRunner) -> None:
    write_article("two.md", "## A\n\nx\n\n## B\n\ny\n", title="Two Headings", date="2023-01-01")
    runner.invoke(args=["import-posts"])

    newer = parse(client.get("/posts/newer").get_data(as_text=True))
    two = parse(client.get("/posts/two").get_data(as_text=True))
    turned_off = parse(client.get("/posts/no-toc").get_data(as_text=True))

    toc = newer.cssselect("nav.toc")[0]
    assert [a.get("href") for a in toc.cssselect("a")] == ["#setup", "#code", "#details"]
    assert toc.cssselect("ol ol a")[0].get("href") == "#details"  # nested under its h2
    assert not two.cssselect("nav.toc")
    assert not turned_off.cssselect("nav.toc")
    assert turned_off.cssselect("h2#one a.heading-anchor")  # anchors stay


def test_previous_and_next_skip_drafts_and_scheduled_posts(site: Flask,
                                                           client: FlaskClient) -> None:
    middle = parse(client.get("/posts/middle").get_data(as_text=True))
    newest = parse(client.get("/posts/newer").get_data(as_text=True))
    oldest = parse(client.get("/posts/xss").get_data(as_text=True))

    assert middle.cssselect('.post-nav a[rel="prev"]')[0].get("href") == "/posts/older"
    assert middle.cssselect('.post-nav a[rel="next"]')[0].get("href") == "/posts/newer"
    assert not newest.cssselect('.post-nav a[rel="next"]')  # "later" is not out yet
    assert not oldest.cssselect('.post-nav a[rel="prev"]')


def test_related_posts_share_tags_and_category(site: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/posts/newer").get_data(as_text=True))

    related = [a.get("href") for a in page.cssselect(".related a")]
    # middle shares a tag and the category, but is the previous post, linked just above;
    # older and no-toc share one tag each (older is nearer in time). The draft and the
    # scheduled post share tags too, but are not public.
    assert related == ["/posts/older", "/posts/no-toc"]


def test_related_posts_leave_out_the_previous_and_next_and_still_fill_up(
        app: Flask, client: FlaskClient, write_article: ArticleWriter,
        runner: FlaskCliRunner) -> None:
    for day in range(1, 8):
        write_article(f"p{day}.md", date=f"2025-01-0{day}", tags="Shared")
    assert runner.invoke(args=["import-posts"]).exit_code == 0

    page = parse(client.get("/posts/p4").get_data(as_text=True))

    neighbours = [a.get("href") for a in page.cssselect(".post-nav a")]
    related = [a.get("href") for a in page.cssselect(".related a")]
    assert neighbours == ["/posts/p3", "/posts/p5"]
    assert related == ["/posts/p6", "/posts/p2", "/posts/p7"]


def test_unrelated_post_has_no_related_section(app: Flask, client: FlaskClient,
                                               write_article: ArticleWriter,
                                               runner: FlaskCliRunner) -> None:
    write_article("alone.md", tags="Solitude")
    write_article("other.md", tags="Crowds")
    runner.invoke(args=["import-posts"])

    assert b'class="related"' not in client.get("/posts/alone").data


@pytest.mark.parametrize("slug", ["nope", "secret", "later"])
def test_unknown_draft_and_future_posts_are_404(site: Flask, client: FlaskClient,
                                                slug: str) -> None:
    response = client.get(f"/posts/{slug}")

    assert response.status_code == 404
    page = parse(response.get_data(as_text=True))
    assert text_of(page.cssselect("h1")[0]) == "Page not found"
    assert {a.get("href") for a in page.cssselect(".error-page a")} >= {"/", "/tags/"}


def test_drafts_and_scheduled_posts_appear_nowhere(site: Flask, client: FlaskClient) -> None:
    pages = ["/", "/archive/", "/tags/", "/categories/", "/authors/", "/tags/python",
             "/posts/newer", "/feed.xml", "/rss.xml", "/feed.json", "/sitemap.xml",
             "/tags/python/feed.xml"]
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        for hidden in ("A Draft", "Scheduled", "secret", "Secret Stuff", "Hidden",
                       "Shadow Writer", "Future", "Time Traveller"):
            assert hidden not in body, (url, hidden)


def test_aliases_and_old_slugs_redirect_permanently(app: Flask, client: FlaskClient,
                                                    write_article: ArticleWriter,
                                                    runner: FlaskCliRunner) -> None:
    post = write_article("post.md", aliases="/blog/2019/first-name.html")
    runner.invoke(args=["import-posts"])
    post.write_text(post.read_text().replace("title: Post", "title: Post\nslug: new-name"))
    runner.invoke(args=["import-posts"])

    for old in ("first-name", "post"):
        response = client.get(f"/posts/{old}")
        assert response.status_code == 301, old
        assert response.headers["Location"] == "/posts/new-name"
    assert client.get("/posts/new-name").status_code == 200


def test_alias_of_a_draft_is_not_revealed(app: Flask, client: FlaskClient,
                                          write_article: ArticleWriter,
                                          runner: FlaskCliRunner) -> None:
    write_article("post.md", aliases="old-name", draft="true")
    runner.invoke(args=["import-posts"])

    assert client.get("/posts/old-name").status_code == 404


def test_pruned_post_is_gone(app: Flask, client: FlaskClient, write_article: ArticleWriter,
                             runner: FlaskCliRunner) -> None:
    doomed = write_article("doomed.md", aliases="earlier")
    write_article("stays.md")
    runner.invoke(args=["import-posts"])
    doomed.unlink()
    runner.invoke(args=["import-posts", "--prune"])

    for slug in ("doomed", "earlier"):
        response = client.get(f"/posts/{slug}")
        assert response.status_code == 410
        page = parse(response.get_data(as_text=True))
        assert text_of(page.cssselect("h1")[0]) == "This post has been removed"
        assert page.cssselect('.error-page a[href="/"]')


def test_frontmatter_values_are_escaped_everywhere(site: Flask, client: FlaskClient) -> None:
    for url in ("/", "/posts/xss", "/archive/", "/tags/i-t-i", "/authors/b-mallory-b",
                "/categories/em-cat-em", "/tags/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert SCRIPT_TITLE not in body and "<b>Mallory</b>" not in body, url
        assert "<i>t</i>" not in body and "<em>Cat</em>" not in body, url
        assert "alert(2)" not in body and "<script>alert(3)" not in body, url
        assert "<script>alert(4)" not in body, url
    post = client.get("/posts/xss").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in post
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", post, re.S)
    assert len(scripts) == 2  # the two JSON-LD blocks, and nothing else
    assert json.loads(scripts[0])["headline"] == SCRIPT_TITLE


def test_empty_site_explains_how_to_publish(app: Flask, client: FlaskClient) -> None:
    assert "flask import-posts" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/posts/%00", "/posts/a%00b", "/tags/%00", "/categories/x%01",
                                 "/authors/%00", "/tags/%00/feed.xml", "/posts/" + "a" * 300,
                                 "/posts/%00.md", "/sitemaps/posts-%00.xml"])
def test_impossible_slugs_are_404_not_500(site: Flask, client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


def test_a_post_shows_the_public_posts_that_mention_it(app: Flask, client: FlaskClient,
                                                       write_article: ArticleWriter,
                                                       runner: FlaskCliRunner) -> None:
    write_article("target.md", date="2025-01-01", title="The Target")
    write_article("early.md", "See [the target](target.md).\n", date="2025-02-01",
                  title="Early Mention")
    write_article("late.md", "[Target](/posts/target), [again](target.md), [me](late.md).\n",
                  date="2025-03-01", title="Late Mention")
    write_article("draft.md", "[Target](target.md)\n", draft="true", title="Draft Mention")
    write_article("future.md", "[Target](target.md)\n", date="2999-01-01", title="Future")
    assert runner.invoke(args=["import-posts"]).exit_code == 0

    target = parse(client.get("/posts/target").get_data(as_text=True))
    late = parse(client.get("/posts/late").get_data(as_text=True))

    section = target.cssselect("section.mentions")[0]
    assert text_of(section.cssselect("h2")[0]) == "Mentioned in"
    assert [(a.get("href"), text_of(a)) for a in section.cssselect("a")] == [
        ("/posts/late", "Late Mention"), ("/posts/early", "Early Mention")]
    assert not late.cssselect("section.mentions")  # only itself links to it
