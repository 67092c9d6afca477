"""The posts blueprint, shared by the pages (``views``) and each post's other forms
(``formats``)."""

from flask import Blueprint

bp = Blueprint("posts", __name__)
