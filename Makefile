# Two commands do the whole set-up on a fresh machine with Python 3.11:
#   make demo   installs tfcodec into .venv and compresses/decompresses the
#               sample photo with the default shipped model (prints bpp, PSNR)
#   make test   installs tfcodec with its test extra and runs the test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= /tmp/tfcodec-demo
# Test processes (pytest-xdist), one test file at a time each.
TEST_WORKERS ?= 2

.PHONY: demo test test-slow install lint clean kodak hyperprior-docs conv_gru-docs

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
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test-slow: install
	$(BIN)/python -m pytest -q -m slow

lint: install
	$(BIN)/python -m pip install -q ruff
	$(BIN)/ruff check tfcodec models export tests

clean:
	rm -rf $(VENV) build *.egg-info

# Reproduces the Kodak plot and BD-rate table in README.md (needs
# ../shared/datasets/kodak and ../shared/anchors). Results are cached in
# results/kodak.json.cache, so an interrupted run resumes.
KODAK ?= ../shared/datasets/kodak
ANCHORS ?= ../shared/anchors/kodak_published_rd.csv
kodak: install
	@mkdir -p results docs
	$(BIN)/tfcodec bench $(KODAK) --out results/kodak.json --codecs jpeg420,jpeg444,webp,jpeg2000,avif
	$(BIN)/tfcodec plot results/kodak.json --anchors-csv $(ANCHORS) \
	  --anchor compressai-bmshj2018-hyperprior_mse_cuda --anchor tfc-toderici-2017-cvpr \
	  --max-bpp 2.0 --out docs/kodak_rd.png --bd-rate jpeg420 | tee docs/kodak_bd.md

# Re-measures the shipped hyperprior weights on Kodak, with the plain encode
# and with REFINE_STEPS steps of latent refinement (tfcodec compress
# --refine-steps; at 120 steps about 80 s per image and quality on one core).
# Per-image rows are cached in results/.evaluate-cache and kept, with their
# cache keys, in the committed docs/kodak_hyperprior*.json, whose rows are
# reused wherever the weights and the family's source are unchanged: only
# qualities with new weights are measured again (all seven uncached would
# take 3.7 hours; fill the cache first, both cores at once, with
# models.evaluate --quality=Q --refine_steps=120 as BUILD_NOTES.md says),
# then rewrites from those two JSONs the plots docs/kodak_hyperprior.png and
# docs/kodak_hyperprior_refined.png, the tables in README.md and
# BUILD_NOTES.md, and the seven model cards (recipes in models/recipes/).
REFINE_STEPS ?= 120
hyperprior-docs: install
	@mkdir -p results docs
	$(BIN)/python -m models.evaluate --model=hyperprior --data_dir=$(KODAK) \
	  --output=docs/kodak_hyperprior.json --plot=docs/kodak_hyperprior.png
	$(BIN)/python -m models.evaluate --model=hyperprior --data_dir=$(KODAK) \
	  --refine_steps=$(REFINE_STEPS) --output=docs/kodak_hyperprior_refined.json \
	  --plot=docs/kodak_hyperprior_refined.png
	$(BIN)/python -m models.doc_tables \
	  --evaluation=docs/kodak_hyperprior.json,docs/kodak_hyperprior_refined.json
	for q in 1 2 3 4 5 6 7; do \
	  $(BIN)/python -m models.model_card --evaluation=docs/kodak_hyperprior.json \
	    --refined_evaluation=docs/kodak_hyperprior_refined.json \
	    --recipe=models/recipes/hyperprior-q$$q.md --title="hyperprior, quality $$q" \
	    --quality=$$q --output=tfcodec/weights/hyperprior-q$$q/MODEL_CARD.md || exit 1; \
	done

# Re-measures the shipped conv_gru weights on Kodak at every iteration count
# it serves (without --quality, 1-16: each image coded once with 16
# iterations and measured cut after each; cached like hyperprior-docs), then
# rewrites docs/kodak_conv_gru.png and its model card, with the paper's
# published curve beside it.
conv_gru-docs: install
	@mkdir -p results docs
	$(BIN)/python -m models.evaluate --model=conv_gru \
	  --data_dir=$(KODAK) --output=results/kodak_conv_gru.json --plot=docs/kodak_conv_gru.png \
	  --anchors=tfc-toderici-2017-cvpr,compressai-bmshj2018-hyperprior_mse_cuda
	$(BIN)/python -m models.model_card --evaluation=results/kodak_conv_gru.json \
	  --recipe=models/recipes/conv_gru.md \
	  --title="conv_gru (residual ConvGRU, progressive), 1-16 iterations" \
	  --raw_bpp_per_quality=0.125 --anchor=tfc-toderici-2017-cvpr \
	  --output=tfcodec/weights/conv_gru/MODEL_CARD.md
