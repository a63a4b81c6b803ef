# ticklab front door. `make demo` runs the main job, `make test` runs every test.
# Each target installs what it needs (apt packages, .venv) idempotently.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(abspath .)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
BUILD     := $(ROOT)/build
BLAS      ?= mkl
BUILD_TYPE ?= Release
JOBS      ?= $(shell nproc)
CONFIG    ?= configs/demo.toml

APT_PACKAGES := g++ cmake ninja-build pkg-config libgrpc++-dev protobuf-compiler-grpc \
  protobuf-compiler libprotobuf-dev libtomlplusplus-dev libsqlite3-dev sqlite3 libgtest-dev \
  libgmock-dev clang-format libopenblas-dev liblapacke-dev libzstd-dev libxxhash-dev libabsl-dev tzdata \
  python3-venv procps nodejs

PY_STAMP  := $(VENV)/.deps-stamp
# Luigi lives only in a separate venv: the reference the trun benchmark and port test compare with.
BENCH_VENV := $(BUILD)/bench-venv
LUIGI_STAMP := $(BENCH_VENV)/.luigi-stamp
APT_STAMP := $(BUILD)/.apt-stamp
# trund's visualiser: its libraries from npm (package-lock.json) into a gitignored node_modules;
# the browser tests drive Debian's chromium
WEB_DIR := $(ROOT)/trun/trun/web
WEB_STAMP := $(WEB_DIR)/node_modules/.web-stamp
BROWSER_APT := chromium chromium-driver
BROWSER_STAMP := $(BUILD)/.browser-apt-stamp

.PHONY: help deps build proto-py web test test-cpp test-py demo format lint bench clean

help:
	@echo "make demo   - install, build, generate data and run the pipeline end to end"
	@echo "make test   - install, build, run googletest (ctest) and pytest"
	@echo "make deps | build | format | lint | bench | clean"

deps: $(APT_STAMP) $(PY_STAMP) $(WEB_STAMP)

# apt: install only what is missing; `apt-get update` runs first when anything is.
# $(call apt_install,PACKAGES): install those of PACKAGES that are missing (apt-get update first)
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing apt packages:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@mkdir -p $(BUILD) && touch $@
endef

$(APT_STAMP): Makefile
	$(call apt_install,$(APT_PACKAGES))

$(PY_STAMP): clients/python/pyproject.toml trun/pyproject.toml $(APT_STAMP)
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	@echo "deps: installing Python packages into .venv"
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e './trun[test]' -e './clients/python[dev]'
	@touch $@

web: $(WEB_STAMP)

$(WEB_STAMP): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json $(APT_STAMP)
	@echo "deps: installing the visualiser's libraries (npm ci)"
	@cd $(WEB_DIR) && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(BROWSER_STAMP): Makefile
	$(call apt_install,$(BROWSER_APT))

$(LUIGI_STAMP): $(APT_STAMP)
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -m pip install -q --disable-pip-version-check luigi==3.8.1
	@touch $@

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTICKLAB_BLAS=$(BLAS) \
	  -DPython3_EXECUTABLE=$(PY) -DTICKLAB_VENV=$(VENV) >$(BUILD)/cmake.log || (cat $(BUILD)/cmake.log; exit 1)
	@cmake --build $(BUILD) -j $(JOBS)
	@$(MAKE) --no-print-directory proto-py

# Python stubs come from the same proto/ as the C++ ones; they land in clients/python/ticklab/v1/.
proto-py:
	@protos=$$(find proto -name '*.proto' | sort); if [ -n "$$protos" ]; then \
	  $(PY) -m grpc_tools.protoc -Iproto --python_out=clients/python --pyi_out=clients/python \
	    --grpc_python_out=clients/python $$protos && touch clients/python/ticklab/v1/__init__.py; fi

test: build $(LUIGI_STAMP) $(BROWSER_STAMP)
	@echo "== ctest =="; cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600; \
	  c=$$?; cd $(ROOT); echo "== pytest =="; \
	  LUIGI_PYTHON=$(BENCH_VENV)/bin/python $(PY) -m pytest -q -n $(JOBS) --timeout 900; p=$$?; \
	  echo "ctest exit $$c, pytest exit $$p"; [ $$c -eq 0 ] && [ $$p -eq 0 ]

demo: build $(BROWSER_STAMP)
	@$(VENV)/bin/ticklab demo --config $(CONFIG)

format: deps
	@find services bench -name '*.h' -o -name '*.cc' | xargs clang-format -i
	@$(VENV)/bin/ruff format clients trun tests bench

lint: deps
	@find services bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror
	@$(VENV)/bin/ruff check clients trun tests bench

bench: build $(LUIGI_STAMP)
	@$(PY) bench/run_all.py

clean:
	rm -rf $(BUILD) clients/python/ticklab/v1
