#!/bin/sh
# The web container's start: bring the database schema and the static files up to date, then serve.
set -eu
python manage.py migrate --noinput
python manage.py collectstatic --noinput --verbosity 0
exec gunicorn --config gunicorn.conf.py roadmap.wsgi
