"""Addresses written by authors, made into valid URLs (app.content.addresses)."""

import pytest

from app.content.addresses import url_safe


@pytest.mark.parametrize(("written", "safe"), [
    ("my photo.jpg", "my%20photo.jpg"),
    ('a"b<c>', "a%22b%3Cc%3E"),
    ("https://bücher.example/ä", "https://bücher.example/ä"),
    # A Markdown link inside a link's address, as real posts have it: brackets are not allowed
    # in a path, and vnu refused the page.
    ("[Blog](https://x.test/a)", "%5BBlog%5D(https://x.test/a)"),
    ("https://twitter.com/search/#BLOG]", "https://twitter.com/search/#BLOG%5D"),
    ("https://x.test/?iframe=no&w=100%&bg=no", "https://x.test/?iframe=no&w=100%25&bg=no"),
    ("https://x.test/a%20b", "https://x.test/a%20b"),
    ("##unlikelihood-training", "#%23unlikelihood-training"),
    # An IPv6 host keeps its brackets.
    ("http://[::1]:8080/a[1]", "http://[::1]:8080/a%5B1%5D"),
])
def test_what_a_url_may_not_hold_is_percent_encoded(written: str, safe: str) -> None:
    assert url_safe(written) == safe


def test_a_safe_address_is_unchanged_by_a_second_pass() -> None:
    for written in ("[a b](x)#y#z", "w=100%", "http://[::1]/[x]"):
        assert url_safe(url_safe(written)) == url_safe(written)
