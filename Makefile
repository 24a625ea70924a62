# replybot: `make run` to try it, `make test` to check it. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := deploy/demo
export REPLYBOT_DATA_DIR ?= $(CURDIR)/.replybot

.PHONY: run test bench lint typecheck install clean demo-reset

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3

# Reinstall when the dependency list or the lock changes.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p "$(REPLYBOT_DATA_DIR)"
	test -f "$(REPLYBOT_DATA_DIR)/inbox.jsonl" || cp $(DEMO)/inbox.jsonl "$(REPLYBOT_DATA_DIR)/inbox.jsonl"
	$(BIN)/replybot --config $(DEMO)/replybot.toml kb add $(DEMO)/knowledge
	$(BIN)/replybot --config $(DEMO)/replybot.toml run

demo-reset:
	rm -rf "$(REPLYBOT_DATA_DIR)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/cycle.py

lint: $(STAMP)
	$(BIN)/ruff check bot connectors knowledge tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
