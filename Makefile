# The two commands of the README: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
APT_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk fonts-droid-fallback poppler-utils qpdf ghostscript chromium
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: setup system venv demo test lint bench postgres clean

setup: system venv

# Debian packages: Tesseract with Simplified Chinese, CJK fonts for the sample generator.
system:
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); }

venv: $(BIN)/zhili

$(BIN)/zhili: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

# The main job on the embedded default: generate a sample intake, ingest it into SQLite,
# print the summary table.
demo: setup
	rm -rf demo && mkdir -p demo
	$(BIN)/python -m synth.demo demo/intake
	cd demo && ../$(BIN)/zhili ingest intake --jobs 2
	cd demo && ../$(BIN)/zhili report summary --format table

# Lint (ruff, rules in pyproject.toml) before the suite: a lint error fails CI as a test would.
test: setup postgres lint
	ZHILI_TEST_PG=$(PG_URL) $(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check .

bench: setup postgres
	$(BIN)/python bench/event_store.py
	$(BIN)/python bench/projections.py
	$(BIN)/python bench/ocr_engines.py
	$(BIN)/python bench/ocr.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/kafka.py

clean:
	rm -rf demo zhili.db zhili.db-* .pytest_cache
