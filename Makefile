# The two quick-start commands (make demo, make test) work on a fresh machine with only
# Python 3.11+ and make: they create .venv if it is missing and install into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
PORT ?= 8000

.PHONY: demo dashboard test lint format bench install clean help messages

help:
	@echo "make demo   - run the whole loop offline against the built-in Strava sandbox"
	@echo "make dashboard - serve the runner's page on the demo data (PORT=8000)"
	@echo "make test   - run the whole test suite"
	@echo "make lint   - ruff + mypy"
	@echo "make bench  - run the benchmarks (prints figures)"
	@echo "make messages - re-extract config/locale/messages.pot and web.pot, update the .po files"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,notify,postgres,distributed]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m strava_rehab.demo

dashboard: $(STAMP)
	$(BIN)/python -m strava_rehab.demo_dashboard --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .demo

# The web pages' catalogue: extract every translatable text, then merge it into each language's
# .po (new texts come in empty, changed ones fuzzy: translate them, tests/web checks they are).
web-messages: $(STAMP)
	$(BIN)/pybabel extract -F config/locale/web.babel.cfg -k n_:1,2 -k N_ -k translate \
		--add-location=file --sort-by-file --no-wrap --project=strava-rehab \
		--copyright-holder=strava-rehab -o config/locale/web.pot .
	$(BIN)/pybabel update -D web -i config/locale/web.pot -d config/locale --no-wrap

# The gettext template from the sources, then every language's catalogue updated from it (new
# msgids arrive empty, changed ones fuzzy: both stay English until translated).
LOCALE := config/locale
messages: web-messages $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --no-wrap \
		--project strava-rehab --copyright-holder "strava-rehab" \
		-o $(LOCALE)/messages.pot src/strava_rehab
	@for lang in en de; do \
		if [ -f $(LOCALE)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update -D messages -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang \
				--no-wrap --ignore-obsolete; \
		else \
			$(BIN)/pybabel init -D messages -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang \
				--no-wrap; \
		fi; \
	done
