# The Roadmap Tracker web image: gunicorn serving the Django site, static files served by WhiteNoise.
# docker-compose.yml runs it beside PostgreSQL 16; README "Deployment" explains the rest.

# plotly.js with only the traces the site draws, built from plotly.js's npm package at the version
# locked in build/plotly/package-lock.json (the one the plotly pip package bundles): a third the size.
FROM node:22-slim AS plotly
WORKDIR /build
COPY build/plotly/package.json build/plotly/package-lock.json build/plotly/index.js ./
RUN npm ci --no-audit --no-fund && npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The dependencies in a layer of their own, rebuilt only when pyproject.toml changes. The project
# declares no installable packages, so this installs exactly what it depends on.
COPY pyproject.toml README.md ./
RUN pip install . && rm -rf build *.egg-info

# An account of its own. The code belongs to root, so the site cannot change it; only the static
# files directory is the site's to write.
RUN groupadd --system --gid 10001 roadmap \
    && useradd --system --uid 10001 --gid roadmap --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin roadmap
COPY . .
COPY --from=plotly /build/dist/plotly.min.js /opt/plotly/plotly.min.js
ENV PLOTLY_JS=/opt/plotly/plotly.min.js
RUN mkdir -p staticfiles && chown roadmap:roadmap staticfiles

USER roadmap
# Collected (hashed and compressed) at build time as well, so that a broken static file fails the
# build. This key only lets the settings load for this one command; the real one comes from .env.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only \
    python manage.py collectstatic --noinput --verbosity 0

EXPOSE 8000
# Migrates, collects static files again, then runs gunicorn (gunicorn.conf.py).
CMD ["sh", "scripts/start.sh"]
