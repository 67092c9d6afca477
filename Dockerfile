# Folio's production image: gunicorn serving the app as uid 10001. On each start the entrypoint
# waits for the database, migrates it and, with IMPORT_ON_START=1, imports the articles.
#
#   docker build -t folio .
#   docker run -e SECRET_KEY="$(openssl rand -hex 32)" -p 8000:8000 folio
#
# SQLite in the /app/instance volume by default; compose.yaml runs it on PostgreSQL and Redis.
# scripts/container-smoke.sh builds and runs this file with podman, without a Docker engine.

# The builder: the locked dependencies, and nothing else, in a venv the final stage copies.
# Every package in requirements.lock has a wheel, so no compiler is needed even here, and
# --only-binary makes a missing wheel fail the build instead of starting a compilation.
FROM python:3.11-slim AS builder
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes \
        --no-deps --only-binary=:all: -r /tmp/requirements.lock \
    && /opt/venv/bin/pip uninstall --yes --disable-pip-version-check pip setuptools

# The project is not pip-installed: the app finds migrations/, content/ and instance/ beside
# its package, so the code lives in /app as in a checkout.
FROM python:3.11-slim
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=wsgi \
    FOLIO_ENV=production
# No SECRET_KEY here: in production the app refuses to start without one given at run time.
RUN groupadd --gid 10001 folio \
    && useradd --no-log-init --uid 10001 --gid folio --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin folio \
    && install -d -o 10001 -g 10001 /app/instance
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY migrations ./migrations
COPY content ./content
COPY wsgi.py gunicorn.conf.py .flaskenv ./
COPY app ./app
# Bytecode compiled once here (PYTHONDONTWRITEBYTECODE keeps the app from writing it at run
# time, into a read-only tree): otherwise every `flask` command compiles Folio first, a
# tenth of a second of each start-up. Checked by hash: COPY does not keep modification times.
RUN python -m compileall -q --invalidation-mode checked-hash app migrations wsgi.py
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# After the COPYs: a new volume starts with the image's content/ and an empty instance/ owned
# by the user (the SQLite database lives there unless DATABASE_URL says otherwise).
VOLUME ["/app/content", "/app/instance"]
USER 10001:10001
EXPOSE 8000
# Liveness only (/healthz asks nothing of the database); slim has no curl, python has urllib.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
# Workers and threads: WEB_CONCURRENCY and GUNICORN_THREADS, read by gunicorn.conf.py.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket", "wsgi:app"]
