#!/usr/bin/env bash
# Install what Kanalkoll needs and is missing: Debian packages, uv, the Python
# environment (locked in uv.lock), the npm packages (axe-core, vnu-jar; oidc-provider, the
# tests' identity provider) and compiled translations.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  chromium            # page captures (archive) and the browser tests
  libharfbuzz-subset0 # WeasyPrint font subsetting (6x faster PDFs)
  libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
  qpdf poppler-utils  # PDF checks: qpdf, pdffonts, pdftotext, pdftoppm
  gettext             # compilemessages
  faketime            # .ci/run: the suite with the clock on far days
  postgresql-client   # pg_dump/pg_restore: manage.py backup and restore on PostgreSQL
  openjdk-17-jre-headless # the Nu Html Checker (npm vnu-jar) in tests/test_html_valid.py
)
# npm installs axe-core for the accessibility tests; a machine may already have Node.js
# from elsewhere, whose npm conflicts with Debian's package.
command -v npm >/dev/null 2>&1 || DEBIAN_PACKAGES+=(nodejs npm)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export UV_PYTHON_DOWNLOADS=never
if ! command -v uv >/dev/null 2>&1; then
  echo "Installing uv"
  python3 -m pip install --quiet --user uv
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --frozen --python python3 --quiet

if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/oidc-provider/package.json ] \
  || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # --ignore-scripts: vnu-jar's postinstall only offers to download a Java runtime.
  npm ci --no-audit --no-fund --silent --ignore-scripts
fi

# A random SECRET_KEY for this checkout, so that plain `manage.py` commands work here.
# Variables set in the real environment (production) always win over .env.
if ! grep -q '^SECRET_KEY=' .env 2>/dev/null; then
  echo "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env
fi

KANALKOLL_DEV=1 .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
