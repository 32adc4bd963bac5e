#!/usr/bin/env bash
# CI: a production install (`uv sync --frozen --no-dev`, no dev dependencies) imports every
# module of every app and passes `manage.py check`. It catches an app module importing a
# package that only the dev group declares (a capture that fails with ImportError in
# production). Uses a temporary environment; the checkout's .venv is not touched.
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_PYTHON_DOWNLOADS=never
command -v uv >/dev/null 2>&1 || export PATH="$HOME/.local/bin:$PATH"

work="$(mktemp -d "${TMPDIR:-/tmp}/kanalkoll-production-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export UV_PROJECT_ENVIRONMENT="$work/venv"
uv sync --frozen --no-dev --python python3 --quiet

# Production settings, with nothing of this checkout's own state (.env, var/) in play.
export DJANGO_SETTINGS_MODULE=config.settings DEBUG=0 KANALKOLL_DEV=0
export SECRET_KEY="production-install-check-$(date +%s)-only-for-this-run"
export KANALKOLL_ENV_FILE=/dev/null KANALKOLL_VAR_DIR="$work/var"
export DATABASE_URL="sqlite:///$work/check.sqlite3" CELERY_BROKER_URL="filesystem://"
python="$work/venv/bin/python"
mkdir -p "$work/var/staticfiles"

"$python" - <<'PY'
import importlib
import pkgutil
import sys
from pathlib import Path

import django

django.setup()

from django.apps import apps  # noqa: E402

here = Path.cwd().resolve()
packages = ["config"] + [
    app.name for app in apps.get_app_configs() if Path(app.path).resolve().is_relative_to(here)
]
failed = []
count = 0
for name in packages:
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
        count += 1
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # noqa: BLE001 - report every module that fails
            failed.append(f"{module.name}: {type(exc).__name__}: {exc}")
for line in failed:
    print(f"production install cannot import {line}", file=sys.stderr)
if failed:
    sys.exit(1)
print(f"Production install: {count} modules of {', '.join(packages)} import.")
PY
"$python" manage.py check
