"""gunicorn on a web node: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi:application`
(deploy/systemd/sects-web.service). Values can be changed per node with GUNICORN_* variables.

Sizing: sync workers, one request each; the portal's pages are short CPU-bound requests
(30-80 ms), so 2 x cores + 1 workers keeps the cores busy while some wait on PostgreSQL.
Timeouts line up with nginx (deploy/nginx/sects.conf): nginx waits proxy_read_timeout 65 s,
longer than a worker may take (timeout 60 s), so a slow request ends with gunicorn's
clean 500 rather than nginx's 504 for a request still running.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
threads = 1
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# SIGTERM (systemctl stop/restart): stop accepting, finish what is running, within 30 s.
graceful_timeout = 30
# nginx keeps connections to the upstream open (keepalive 32); close them a little after it would.
keepalive = 75
# A worker is replaced after this many requests (with jitter, so not all at once): a slow
# leak in a library cannot grow for weeks.
max_requests = 2000
max_requests_jitter = 200
# No preload: `systemctl reload sects-web` (HUP) starts workers on the new code one by one.
preload_app = False
# Heartbeat files in memory, not on the node's disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only nginx may say which scheme the client used (Django reads X-Forwarded-Proto through
# SECURE_PROXY_SSL_HEADER; the client address through TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 4094
limit_request_fields = 100
# Access log to stdout (the journal). The path without the query string (%(U)s): queries may
# carry mobile numbers typed into a search box.
accesslog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "sects-web"
