# Two commands do the whole set-up on a fresh machine with Python 3.11:
#   make demo   installs tfcodec into .venv and compresses/decompresses the
#               sample photo with the default shipped model (prints bpp, PSNR)
#   make test   installs tfcodec with its test extra and runs the test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= /tmp/tfcodec-demo

.PHONY: demo test test-slow install lint clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"

demo: install
	@mkdir -p $(OUT)
	$(BIN)/tfcodec models
	$(BIN)/tfcodec compress tests/data/sample.png $(OUT)/sample.tfc
	$(BIN)/tfcodec info $(OUT)/sample.tfc
	$(BIN)/tfcodec decompress $(OUT)/sample.tfc $(OUT)/sample.png --reference tests/data/sample.png

test: install
	$(BIN)/python -m pytest -q

test-slow: install
	$(BIN)/python -m pytest -q -m slow

lint: install
	$(BIN)/python -m pip install -q ruff
	$(BIN)/ruff check tfcodec models export tests

clean:
	rm -rf $(VENV) build *.egg-info
