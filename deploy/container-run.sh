#!/bin/sh
# The container's entry point: `web`, `worker`, `worker-pdf` or `beat` runs exactly the
# ExecStart line of deploy/systemd/kanalkoll-NAME.service (with /app for /opt/kanalkoll),
# so that a container and a systemd server run the same processes with the same
# settings; `manage ARGS` runs manage.py (migrate, backup, restore, verify_archive, ...).
set -eu
cd /app
case "${1:-web}" in
  manage)
    shift
    exec /app/.venv/bin/python manage.py "$@"
    ;;
  web | worker | worker-pdf | beat)
    unit="/app/deploy/systemd/kanalkoll-${1:-web}.service"
    line=$(sed -n 's/^ExecStart=//p' "$unit")
    # systemd writes a literal % as %%; /opt/kanalkoll is the server's checkout.
    line=$(printf '%s\n' "$line" | sed -e 's/%%/%/g' -e 's#/opt/kanalkoll#/app#g')
    # The unit's command line has no quoting, so word splitting gives its arguments.
    # shellcheck disable=SC2086
    exec $line
    ;;
  *)
    echo "usage: container-run.sh web|worker|worker-pdf|beat|manage ARGS" >&2
    exit 64
    ;;
esac
