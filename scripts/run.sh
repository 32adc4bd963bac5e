#!/usr/bin/env bash
# Serve Kanalkoll on http://127.0.0.1:8000 with a Celery worker and embedded beat.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}" KANALKOLL_DEV=1
mkdir -p var

.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py seed_demo

.venv/bin/celery -A config worker --beat -Q celery,pdf --loglevel=INFO --concurrency=2 \
  --schedule var/celerybeat-schedule >var/celery.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "Celery worker with beat running (log: var/celery.log)."
echo "Kanalkoll: http://127.0.0.1:8000"
.venv/bin/python manage.py runserver 127.0.0.1:8000
