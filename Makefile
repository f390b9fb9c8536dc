# tdkt-bot: `make run` sets up and starts the bot; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := bot handlers models migrations

.PHONY: run test setup setup-test lint bench i18n i18n-compile clean preview-docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The install is editable: code changes need no reinstall, only a changed pyproject.toml
# (dependencies, entry points). The stamps make `make run` start at once after the first time.
setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The settings `make run` and the tdkt-bot command read from this folder, written once (readable
# by you only) with TDKT_BOT_TOKEN and TDKT_OFFICER_IDS if they are set, e.g.
# `TDKT_BOT_TOKEN=123456:ABC make run`. Edit it afterwards; the environment overrides it.
.env:
	@umask 077 && printf '%s\n' \
		'# tdkt-bot settings, read by `make run` and by .venv/bin/tdkt-bot run from this folder.' \
		'# The environment overrides them. Every setting: README.md, "Configuration".' \
		'' \
		'# The token @BotFather gave you (in Telegram: /newbot).' \
		"TDKT_BOT_TOKEN=$$TDKT_BOT_TOKEN" \
		'# Telegram user ids of the TĐKT officers, comma-separated. Yours: send /start to the' \
		'# bot, it answers with your id; put it here and start the bot again (make run).' \
		"TDKT_OFFICER_IDS=$$TDKT_OFFICER_IDS" \
		'# The authority printed at the top of exported lists.' \
		'# TDKT_AUTHORITY=UBND xã Trị An' \
		'# Default: SQLite in ~/.local/share/tdkt-bot; for PostgreSQL:' \
		'# TDKT_DATABASE_URL=postgresql://tdkt@127.0.0.1/tdkt' \
		> $@
	@echo "Wrote your settings to .env. Fill in what is still empty there: TDKT_BOT_TOKEN"
	@echo "from @BotFather, TDKT_OFFICER_IDS with your Telegram id (send /start to the bot:"
	@echo "it tells you). After each change, start the bot again with: make run"

run: setup .env
	$(BIN)/tdkt-bot run

test: setup-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

# mypy reads its settings (which folders, which are strict) from pyproject.toml.
lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Benchmarks at national scale (about 40 minutes: B1 up to 150,000 units on both databases
# about 16, the wave and the broadcast of 15,000 at Telegram's 30 messages a second about 21).
# About 3 minutes at 1,500 units: make bench BENCH_ARGS=--quick.
bench: setup-test
	$(BIN)/python -m bench $(BENCH_ARGS)

# Re-extract messages after changing user-facing strings, translate, then compile.
i18n:
	$(BIN)/pybabel extract --no-location --sort-output --project=tdkt-bot \
		-k N_ -k ngettext:1,2 -o locales/messages.pot $(SOURCES)
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i locales/messages.pot -d locales -D messages
	$(MAKE) i18n-compile

i18n-compile:
	$(BIN)/pybabel compile --statistics -d locales -D messages

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# The Word documents of a small example database rendered to PDF and PNG (LibreOffice and
# pdftoppm where installed) in build/preview-docs/, for a person to look at.
preview-docs: setup-test
	$(BIN)/python scripts/preview_docs.py build/preview-docs
