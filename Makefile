# Two commands for a new machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# MNIST for the tests and the demo, when it is there; without it the demo draws its own digits.
MNIST_PATH ?= $(wildcard ../shared/data/mnist.npz)
export MNIST_PATH
# Reproduces models/: the edge network, seed 1 (see models/manifest.json).
TRAIN_ARGS ?= --arch edge --epochs 24 --seed 1 --out runs/edge

.PHONY: demo test models lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.device: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.all: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[train,dev]"
	touch $@ $(VENV)/.device

demo: $(VENV)/.device
	$(BIN)/python -m edge_app run --source demo --max-frames 300 --save-video out/demo.mp4

test: $(VENV)/.all
	$(BIN)/python -m pytest

models: $(VENV)/.all
	$(BIN)/python -m pip install -q -c train-constraints.txt -e ".[train]"
	$(BIN)/python -m train $(TRAIN_ARGS)
	$(BIN)/python -m convert runs/edge/model.keras --run runs/edge --out models/ --no-per-channel

lint: $(VENV)/.all
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) runs .pytest_cache
