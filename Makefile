# tdkt-bot: `make run` sets up and starts the bot; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := bot handlers models migrations

.PHONY: run test setup setup-test lint bench i18n i18n-compile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e .

setup-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

run: setup
	$(BIN)/tdkt-bot run

test: setup-test
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks at national scale (about 15 minutes; the 15,000-recipient broadcast alone takes
# over 8 at Telegram's 30 messages a second). Smaller: make bench BENCH_ARGS="--units 1000".
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
