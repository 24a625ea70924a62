# replybot: `make run` to try it, `make test` to check it. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := deploy/demo
DATA ?= $(CURDIR)/.replybot
DEMO_ENV := REPLYBOT_DATA_DIR="$(DATA)" REPLYBOT_CONFIG=$(DEMO)/replybot.toml

.PHONY: run test bench lint typecheck install clean demo-reset triage-vectors

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3

# llama-cpp-python has no wheel on the registry and compiles from source: only the library
# replybot loads (no llava, tests, examples, tools or server), on every core. 259 s against 320 s
# for the default build, measured one after the other on 2 cores.
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
	-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF

# Reinstall when the dependency list or the lock changes.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" \
		$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p "$(DATA)"
	test -f "$(DATA)/inbox.jsonl" || cp $(DEMO)/inbox.jsonl "$(DATA)/inbox.jsonl"
	$(DEMO_ENV) $(BIN)/replybot kb add $(DEMO)/knowledge
	$(DEMO_ENV) $(BIN)/replybot run

demo-reset:
	rm -rf "$(DATA)"

# One worker per core; a test file stays on one worker, so its module fixtures load once.
test: $(STAMP)
	@command -v systemd-analyze >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd >/dev/null; }
	@# the store's tests start their own PostgreSQL server from Debian's binaries
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }
	@# the web page's browser tests drive Debian's chromium (Playwright never downloads one)
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/ruff check bot connectors knowledge tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/prompt.py
	$(BIN)/python bench/cycle.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/chaos.py
	$(BIN)/python bench/workers.py
	$(BIN)/python bench/youtube_quota.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/redteam.py
	$(BIN)/python bench/decisions.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/voice.py
	$(BIN)/python bench/web.py

lint: $(STAMP)
	$(BIN)/ruff check bot connectors knowledge tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# After editing bot/data/triage_examples.jsonl: ship their vectors, so a start need not embed them.
triage-vectors: $(STAMP)
	$(BIN)/python -c "from bot.pipeline.classify import ship_bundled; from knowledge.embeddings import E5Embedder; e = E5Embedder(); print(ship_bundled(e.queries, e.name))"
