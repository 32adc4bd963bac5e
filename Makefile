.PHONY: run test test-slow test-production install lint bench-register

# Tests run with DEBUG off; this key exists only for them.
TEST_ENV = SECRET_KEY=test-only-not-secret DEBUG=0

install:
	@scripts/bootstrap.sh

run: install
	@scripts/run.sh

# Two worker processes (pytest-xdist), one per core; each gets its own test database.
# Tests marked slow (they wait for real time limits) run separately: `make test-slow`,
# and so does the production smoke test (gunicorn, workers, beat): `make test-production`.
test: install
	$(TEST_ENV) .venv/bin/pytest -n 2 -m "not slow and not production" $(ARGS)

test-slow: install
	$(TEST_ENV) .venv/bin/pytest -n 2 -m slow $(ARGS)

# Needs PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL), as .ci/run sets them.
test-production: install
	$(TEST_ENV) .venv/bin/pytest -p no:xdist -m production $(ARGS)

# Lint only: djLint's formatter would change the msgids inside {% blocktranslate %}.
lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/djlint --lint templates */templates
	$(TEST_ENV) .venv/bin/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) .venv/bin/python manage.py check --fail-level WARNING

bench-register: install
	KANALKOLL_DEV=1 .venv/bin/python bench/register.py
