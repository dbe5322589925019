# Two commands for a new machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
# The suite in one process per core, four at most (each may hold TensorFlow: up to 2 GB); TEST_WORKERS= runs it in one.
TEST_WORKERS ?= -n auto --maxprocesses 4
VENV ?= .venv
BIN := $(VENV)/bin
# MNIST for the tests and the demo, when it is there; without it the demo draws its own digits.
MNIST_PATH ?= $(wildcard ../shared/data/mnist.npz)
export MNIST_PATH
# Reproduces models/ (see models/manifest.json): the edge network on the ten digits, seed 1, then
# fine-tuned with an eleventh class, "not one digit" (touching digits, wrong cuts), and crossed sevens,
# first at a higher learning rate, then at a lower one with fewer not-digit examples.
TRAIN_ARGS ?= --arch edge --epochs 24 --seed 1 --out runs/edge
TUNE_ARGS ?= --arch edge --init-from runs/edge/model.keras --not-digit 0.15 --crossed-sevens 0.25 \
	--epochs 6 --lr 5e-4 --seed 1 --out runs/edge-reject
SETTLE_ARGS ?= --arch edge --init-from runs/edge-reject/model.keras --not-digit 0.1 --crossed-sevens 0.25 \
	--epochs 4 --lr 2e-4 --seed 2 --out runs/edge-reject2
# Last, half of each batch is crops the app's pipeline cut from generated scenes drawn with training digits.
CROPS_ARGS ?= --scenes 6000 --seed 7 --out runs/scene-crops.npz
SCENE_ARGS ?= --arch edge --init-from runs/edge-reject2/model.keras --not-digit 0.1 --crossed-sevens 0.25 \
	--scene-crops runs/scene-crops.npz --scene-share 0.5 --epochs 3 --lr 2e-4 --seed 3 --out runs/edge-scenes
# Then the same again with digits turned up to 20 degrees either way (12 before), for tilted photos,
# and 15% of the plain ones given a continental flag, long and sloping, which MNIST's writers rarely draw.
TURN_ARGS ?= --arch edge --init-from runs/edge-scenes/model.keras --not-digit 0.1 --crossed-sevens 0.25 \
	--flagged-ones 0.15 --scene-crops runs/scene-crops.npz --scene-share 0.5 --max-rotation 20 --epochs 3 \
	--lr 2e-4 --seed 4 --out runs/edge-turned
# Then with 15% of the 4s, 7s and 9s given a long tail below the line, as many write them.
TAIL_ARGS ?= --arch edge --init-from runs/edge-turned/model.keras --not-digit 0.1 --crossed-sevens 0.25 \
	--flagged-ones 0.15 --long-tails 0.15 --scene-crops runs/scene-crops.npz --scene-share 0.5 --max-rotation 20 \
	--epochs 3 --lr 2e-4 --seed 5 --out runs/edge-tails

.PHONY: demo test models lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.device: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.all: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[train,dev,web]"
	touch $@ $(VENV)/.device

demo: $(VENV)/.device
	$(BIN)/python -m edge_app run --source demo --max-frames 300 --save-video out/demo.mp4

test: $(VENV)/.all
	$(BIN)/python -m pytest $(TEST_WORKERS)

models: $(VENV)/.all
	$(BIN)/python -m pip install -q -c train-constraints.txt -e ".[train]"
	$(BIN)/python -m train $(TRAIN_ARGS)
	$(BIN)/python -m train $(TUNE_ARGS)
	$(BIN)/python -m train $(SETTLE_ARGS)
	$(BIN)/python -m train.scenecrops $(CROPS_ARGS)
	$(BIN)/python -m train $(SCENE_ARGS)
	$(BIN)/python -m train $(TURN_ARGS)
	$(BIN)/python -m train $(TAIL_ARGS)
	$(BIN)/python -m convert runs/edge-tails/model.keras --run runs/edge-tails --out models/ --no-per-channel

lint: $(VENV)/.all
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) runs .pytest_cache
