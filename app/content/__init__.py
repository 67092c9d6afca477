"""The content pipeline: files in, posts out. Plain Python; it knows nothing of HTTP or Flask.

``reader`` turns bytes into frontmatter and a body, ``metadata`` normalises frontmatter into an
``ArticleMeta``, ``render`` turns Markdown into safe HTML, and ``importer`` syncs a folder into the
database in one transaction.
"""
