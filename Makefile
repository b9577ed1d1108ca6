# K-Means Image Compressor. Quick start: `make run` (the app on the sample photo) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE := resources/sample.jpg
TEST_CMD := QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q
ARGS   ?=
# Qt's system libraries are checked once per mode and remembered in a stamp; editing the list
# (scripts/qt-system-libs.sh) checks again, and so does `make run` whenever the app fails.
QT_LIBS_CHECK := scripts/qt-system-libs.sh

.PHONY: run test lint app bench install-desktop clean help

help:
	@echo "make run    - set up .venv and open the app on the sample photo (headless: compress it)"
	@echo "              make run ARGS=--exit-when-shown prints the start-up time and quits"
	@echo "make test   - set up .venv with the test extra, Qt's system libraries, ruff and pytest"
	@echo "make app    - build the standalone app with PyInstaller (dist/kmeans-gui/)"
	@echo "make bench  - run the benchmarks (installs the bench extra)"
	@echo "make install-desktop - add the app to your desktop menu (user level)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed-run

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[bench]'
	@touch $@ $(VENV)/.installed-run

$(VENV)/.installed-build: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[build]'
	@touch $@ $(VENV)/.installed-run

$(VENV)/.qt-libs-%: $(QT_LIBS_CHECK) | $(BIN)/python
	bash $(QT_LIBS_CHECK) $*
	@touch $@

# A missing library the check names does not stop the app (it may still start); a failed
# start checks again and forgets the stamp. `make run ARGS=--exit-when-shown` times start-up.
run: $(VENV)/.installed-run
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		stamp=$(VENV)/.qt-libs-x11; checked=0; \
		if [ ! "$$stamp" -nt $(QT_LIBS_CHECK) ]; then \
			checked=1; { bash $(QT_LIBS_CHECK) x11 && touch "$$stamp"; } || true; \
		fi; \
		$(BIN)/kmeans-gui $(ARGS) $(SAMPLE) || { code=$$?; rm -f "$$stamp"; \
			[ "$$checked" = 1 ] || bash $(QT_LIBS_CHECK) x11 || true; exit "$$code"; }; \
	else \
		echo "No display here: compressing the sample photo with kmeans-compress instead."; \
		mkdir -p out; \
		$(BIN)/kmeans-compress $(SAMPLE) -k 16 -o out/sample-k16.png --palette-out out/sample-k16.gpl --force; \
		echo "Result: out/sample-k16.png   palette: out/sample-k16.gpl"; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: $(VENV)/.installed-test $(VENV)/.qt-libs-offscreen
	$(BIN)/ruff check .
	$(TEST_CMD)

app: $(VENV)/.installed-build $(VENV)/.qt-libs-xvfb
	bash scripts/build-app.sh

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_core.py --memory-24mp
	$(BIN)/python benchmarks/bench_core.py --busy --photos astronaut motorcycle_left astronaut_12mp --ks 16 256 --methods ours sklearn imagequant
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_gui.py

install-desktop: $(VENV)/.installed-run
	bash scripts/install-desktop.sh

clean:
	rm -rf build dist out .pytest_cache .ruff_cache
