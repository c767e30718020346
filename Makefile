# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The torch/torchvision pair that installs on the project's CPU machines;
# with a CUDA torch already in $(VENV), set TORCH_PKGS= to keep it.
TORCH_PKGS ?= torch==2.14.1 torchvision==0.29.1
FMNIST_DIR ?= data/fashion_mnist

.PHONY: install test lint demo data-fmnist benchmark benchmark-quick

$(VENV)/.installed: setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(if $(strip $(TORCH_PKGS)),$(PY) -m pip install -q --no-compile $(TORCH_PKGS))
	$(PY) -m pip install -q --no-compile -e '.[tests]'
	# byte-compiled once, on every core: with PYTHONDONTWRITEBYTECODE set
	# (as on these machines) nothing else writes .pyc files, and every
	# process compiled torch again (import 23 s against 9 s, measured).
	# Skipped: one torch test file in Python 3.12 syntax.
	$(PY) -m compileall -q -j 0 -x 'torch/testing/_internal/py312' \
		$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') mmdfkd
	touch $@

install: $(VENV)/.installed

lint: install
	$(PY) -m ruff check .

# one pytest-xdist worker per core (at most 4; each test process at one
# torch thread, see tests/conftest.py); PYTEST_WORKERS=0 runs in one process
PYTEST_WORKERS ?= auto
test: install lint
	$(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) \
		--maxprocesses=4 --dist worksteal --durations=15

data-fmnist: $(FMNIST_DIR)/t10k-images-idx3-ubyte

$(FMNIST_DIR)/t10k-images-idx3-ubyte:
	bash tools/dataset_converters/prepare_fmnist.sh $(FMNIST_DIR)

demo: install data-fmnist
	$(PY) demo/fmnist_demo.py

benchmark: install data-fmnist
	$(PY) tools/benchmark.py

benchmark-quick: install data-fmnist
	$(PY) tools/benchmark.py --quick
