"""What search engines and link previews read: sitemap, robots.txt and structured data."""

from app.seo.views import bp

__all__ = ["bp"]
