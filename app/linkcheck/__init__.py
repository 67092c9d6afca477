"""`flask check-links`: the broken links of the site, by file and line.

Links between posts are checked against the link graph the import keeps
(``app.content.link_graph``); with ``--external``, the addresses on other sites are asked,
politely (``external``), and the ones that answered well are remembered for a while
(``cache``). ``command`` is the thin click adapter that prints the report.
"""
