# A first working image: Folio under gunicorn, SQLite in /app/instance by default.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
# Editable, so the app finds migrations/, content/ and instance/ beside it in /app.
RUN pip install -e ".[postgres,redis]"
COPY migrations ./migrations
COPY content ./content
COPY wsgi.py .flaskenv ./

RUN useradd --uid 10001 --no-create-home folio \
    && mkdir -p /app/instance && chown folio /app/instance
USER 10001
EXPOSE 8000
CMD ["sh", "-c", "flask db upgrade && flask import-posts && exec gunicorn --bind 0.0.0.0:8000 --workers 2 --access-logfile - wsgi:app"]
