# The bot's image: `docker build -t crm-slack .`, then compose.yaml (README: Deploy).
# What it installs is deploy/install.sh, which .ci/run also runs into a clean venv.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Chinese glyphs for the digests' charts (WenQuanYi Micro Hei, 1.6 MB)
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --create-home --home-dir /home/crm crm \
 && mkdir -p /data && chown crm:crm /data

WORKDIR /src
# the locked packages first: a change to the code alone reuses this layer
COPY requirements.lock ./
COPY deploy/install.sh deploy/install.sh
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --require-hashes -r requirements.lock
COPY pyproject.toml manifest.yml README.md ./
COPY bot bot
COPY handlers handlers
COPY store store
RUN deploy/install.sh /opt/venv && rm -rf build *.egg-info

USER crm
WORKDIR /data
# A SQLite database (the default without DATABASE_URL) and its crm.key live in /data: mount a volume.
ENV PATH=/opt/venv/bin:$PATH \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/crm.db \
    LOG_FORMAT=json
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# SIGTERM: stop taking requests, finish the posts in flight (up to 10 s), hand back outbox claims
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
