"""WSGI entry point: `gunicorn wsgi:app`, and the app `flask` finds through .flaskenv."""

from app import create_app

app = create_app()
