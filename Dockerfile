# syntax=docker/dockerfile:1
# The bot's image: Python 3.11 on Debian bookworm, the bot and its pinned dependencies (constraints.txt) in a venv,
# the PostgreSQL client tools for the daily pg_dump, run as an unprivileged user. Chromium and the CJK font are for
# the tests only and are not in it. `docker compose up -d` (compose.yaml) runs it beside PostgreSQL.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
RUN python -m venv /opt/redwheel && /opt/redwheel/bin/pip install -q -c constraints.txt .

FROM python:3.11-slim-bookworm
# postgresql-client 15 (bookworm): pg_dump, pg_restore, createdb and psql for the backups; no compiler, no browser.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /srv/redwheel --create-home redwheel \
    && install -d -o redwheel -g redwheel -m 0700 /srv/redwheel/data /srv/redwheel/backups
COPY --from=build /opt/redwheel /opt/redwheel
ENV PATH=/opt/redwheel/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    OPS_BACKUP_DIR=/srv/redwheel/backups
WORKDIR /srv/redwheel
USER redwheel
VOLUME ["/srv/redwheel/data", "/srv/redwheel/backups"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8080') + '/healthz', timeout=4)"]
CMD ["python", "-m", "bot"]
