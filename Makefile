# Rollgate: `make run` starts the app, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test bench bench-ingest bench-metrics bench-app bench-history bench-load docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --editable . 2>/dev/null || $(PY) -m pip install --no-deps --editable .
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) cli.py demo --if-empty
	@echo "Rollgate is starting: open http://localhost:$(PORT) in a browser (another port: make run PORT=8600)."
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

test: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# Benchmarks write their figures into bench/README.md; generated data stays in bench/data/.
bench: bench-ingest bench-metrics bench-app bench-history bench-load

# every shape (z, offset, quoted) at 1M and 2M rows (median of 3) and at 10M (one run)
bench-ingest: $(VENV)/.dev
	$(PY) bench/run.py --shape all --rows 1000000 2000000 --also-10m --write-readme

bench-metrics: $(VENV)/.dev
	$(PY) bench/metrics_bench.py --write-readme

bench-app: $(VENV)/.dev
	$(PY) bench/app_bench.py --write-readme

# every page on the demo database after two years of vendor exports
bench-history: $(VENV)/.dev
	$(PY) bench/history_bench.py --write-readme

# 1, 5, 10 and 20 sessions at once over Streamlit's websocket, on the demo database
bench-load: $(VENV)/.dev
	$(PY) bench/load_bench.py --write-readme

docs: $(VENV)/.runtime
	$(PY) -m loaders.docs
	$(PY) -m loaders.presets.docs
	$(PY) -m metrics.docs

clean:
	rm -rf $(VENV) bench/data
