"""Gunicorn settings for Roadmap Tracker: `gunicorn --config gunicorn.conf.py roadmap.wsgi`.

Read from the environment like the site's own settings; README "Configuration" lists the variables.
"""

from __future__ import annotations

import os

# Inside the container, listen on every interface: docker-compose.yml decides what is published.
bind = "0.0.0.0:8000"

# Worker processes, each serving one request at a time. Two suit a small server and keep memory
# modest; on a machine of its own the usual rule is 2 x cores + 1.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)

# A request running longer than this is abandoned and its worker replaced (the Excel export of
# every action is the slowest page). On a restart, workers get graceful_timeout to finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
# Connections from the reverse proxy stay open a little between requests.
keepalive = 5

# Access log to standard output, errors to standard error: `docker compose logs web` shows both.
accesslog = "-"
errorlog = "-"

# The addresses whose X-Forwarded-Proto gunicorn believes (the reverse proxy's; "*" for any).
# The site's own HTTPS decision is SECURE_PROXY_SSL_HEADER in its settings.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Workers' heartbeat files in memory: on a container's overlay disk they can stall the workers.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# No control socket for `gunicornc` (gunicorn 25+): docker manages the process, and several servers
# on one machine would otherwise share the same socket path under $HOME.
control_socket_disable = True
