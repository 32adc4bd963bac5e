"""Gunicorn's settings for Kanalkoll (`gunicorn --config deploy/gunicorn.conf.py
config.wsgi`), read by the systemd unit and the container alike.

Sync workers: every request is short database work or rendering done in the request
(the plan PDF, a period's archive package), none waits on a slow client, because nginx
buffers whole requests (uploads too) and whole responses in front of gunicorn. Threads
would not help the CPU-bound rendering and would share WeasyPrint's per-thread state.

Each worker is a full Django process (about 100–250 MiB once it has rendered a PDF);
2 × cores + 1 keeps the CPUs busy while one worker waits for PostgreSQL. Set
KANALKOLL_WEB_WORKERS to change it (a 2-core server shared with the Celery workers: 3).
"""

import multiprocessing
import os

bind = os.environ.get("KANALKOLL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KANALKOLL_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# The longest request is the download of a half-year's archive package: it copies every
# sealed PDF of the period through its checksum check into a zip (500 accounts: well
# under a minute). 120 s leaves room for that; anything longer is stuck and is killed.
# nginx's proxy_read_timeout (deploy/nginx/kanalkoll.conf) is the same.
timeout = 120
# On a restart or `systemctl reload` (SIGHUP) a worker finishes its request first.
graceful_timeout = 30
keepalive = 5

# WeasyPrint and Pillow keep native memory a Python process never hands back: a worker
# is replaced after about 1,000 requests (spread, so that they never all restart at once).
max_requests = 1000
max_requests_jitter = 100

# Only nginx on this host talks to gunicorn; it sets X-Forwarded-Proto (Django's
# SECURE_PROXY_SSL_HEADER) and X-Forwarded-For (KANALKOLL_TRUSTED_PROXIES=1).
forwarded_allow_ips = os.environ.get("KANALKOLL_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"  # to the journal (systemd) or the container's log
errorlog = "-"
loglevel = "info"
# The access log without the query string's values: links in e-mail carry signed tokens.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
