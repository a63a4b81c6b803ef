# ticklab front door. `make demo` runs the main job, `make test` runs every test.
# Each target installs what it needs (apt packages, .venv) idempotently.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(abspath .)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
BUILD     := $(ROOT)/build
BLAS      ?= auto
BUILD_TYPE ?= Release
JOBS      ?= $(shell nproc)
CONFIG    ?= configs/demo.toml

# What the C++ build needs (also inside the services image: deploy/services.Dockerfile).
CXX_APT_PACKAGES := g++ cmake ninja-build pkg-config libgrpc++-dev protobuf-compiler-grpc \
  protobuf-compiler libprotobuf-dev libtomlplusplus-dev libsqlite3-dev libgtest-dev \
  libgmock-dev libopenblas-dev liblapacke-dev libzstd-dev libxxhash-dev libabsl-dev tzdata
# postgresql, mariadb-server, openssh-server, redis-server: the servers the tests of
# trun.contrib.postgres, .mysqldb, .ssh and .redis_store start on loopback
APT_PACKAGES := $(CXX_APT_PACKAGES) sqlite3 clang-format python3-venv procps nodejs postgresql \
  mariadb-server openssh-server redis-server
# What `make image` and `make deploy-test` need on the host.
# busybox-static: the rootfs of the small image the tests of trun.contrib.docker_runner import
DEPLOY_APT_PACKAGES := docker.io debootstrap docker-compose busybox-static
IMAGE_TAG ?= latest
# v1: Debian's docker-compose 1.29; v2: `docker compose`, built from its Go module (deploy/compose-v2.sh).
COMPOSE ?= v1
COMPOSE_COMMAND_v1 := docker-compose
COMPOSE_COMMAND_v2 := docker compose
COMPOSE_COMMAND := $(or $(COMPOSE_COMMAND_$(COMPOSE)),$(error COMPOSE=$(COMPOSE): expected v1 or v2))

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
# Microsoft's Azurite storage emulator (npm), which the tests of trun.contrib.azureblob run on
# loopback: pinned in trun/tests/azurite/package-lock.json, installed into its gitignored node_modules
AZURITE_DIR := $(ROOT)/trun/tests/azurite
AZURITE_STAMP := $(AZURITE_DIR)/node_modules/.azurite-stamp
BROWSER_STAMP := $(BUILD)/.browser-apt-stamp

.PHONY: help deps build proto-py web test test-wheel test-cpp test-py demo format lint bench fuzz clean \
  deploy-deps deploy-packages image deploy-test ecosystem-check

help:
	@echo "make demo   - install, build, generate data and run the pipeline end to end"
	@echo "make test   - install, build, run googletest (ctest) and pytest"
	@echo "make image  - build the container images (docs/deploy.md); make deploy-test runs the stack"
	@echo "make fuzz   - libFuzzer + ASan/UBSan on every parser (build-fuzz/), hypothesis on Python's"
	@echo "make test-wheel - pip install ./clients/python in a fresh venv (scikit-build-core), minutes"
	@echo "make ecosystem-check - Luigi projects' test suites from PyPI under Luigi and trun (PROJECTS=...)"
	@echo "make deps | build | format | lint | bench | clean"

deps: $(APT_STAMP) $(PY_STAMP) $(WEB_STAMP)

# apt: install only what is missing; `apt-get update` runs first when anything is.
# apt_install(packages): installs those of `packages` that are missing, `apt-get update` first.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing apt packages:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

$(APT_STAMP): Makefile
	$(call apt_install,$(APT_PACKAGES))
	@mkdir -p $(BUILD) && touch $@

$(PY_STAMP): clients/python/pyproject.toml trun/pyproject.toml $(APT_STAMP)
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	@echo "deps: installing Python packages into .venv"
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e './trun[test]'
	@# the package without its CMake build: `make build` builds ticklab.core into the tree
	@$(PY) -m pip install -q --disable-pip-version-check -C wheel.cmake=false -e './clients/python[dev]'
	@touch $@

web: $(WEB_STAMP)

$(WEB_STAMP): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json $(APT_STAMP)
	@echo "deps: installing the visualiser's libraries (npm ci)"
	@cd $(WEB_DIR) && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(AZURITE_STAMP): $(AZURITE_DIR)/package.json $(AZURITE_DIR)/package-lock.json $(APT_STAMP)
	@echo "deps: installing the Azurite storage emulator for the tests (npm ci)"
	@cd $(AZURITE_DIR) && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(BROWSER_STAMP): Makefile
	$(call apt_install,$(BROWSER_APT))
	@mkdir -p $(BUILD) && touch $@

$(LUIGI_STAMP): $(APT_STAMP) Makefile
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -m pip install -q --disable-pip-version-check luigi==3.8.1 jsonschema boto3 "sqlalchemy<2" redis \
	  docker pykube-ng
	@touch $@

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTICKLAB_BLAS=$(BLAS) \
	  -DPython3_EXECUTABLE=$(PY) -DPython_EXECUTABLE=$(PY) -DTICKLAB_VENV=$(VENV) \
	  -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) >$(BUILD)/cmake.log || (cat $(BUILD)/cmake.log; exit 1)
	@cmake --build $(BUILD) -j $(JOBS)
	@$(MAKE) --no-print-directory proto-py
	@echo "build: done. ticklab is $(VENV)/bin/ticklab: run ./ticklab, or source .venv/bin/activate"

# Python stubs come from the same proto/ as the C++ ones; they land in clients/python/ticklab/v1/.
proto-py:
	@protos=$$(find proto -name '*.proto' | sort); if [ -n "$$protos" ]; then \
	  $(PY) -m grpc_tools.protoc -Iproto --python_out=clients/python --pyi_out=clients/python \
	    --grpc_python_out=clients/python $$protos && touch clients/python/ticklab/v1/__init__.py; fi

test: build $(LUIGI_STAMP) $(BROWSER_STAMP) $(AZURITE_STAMP)
	@echo "== ctest =="; cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600; \
	  c=$$?; cd $(ROOT); echo "== pytest =="; \
	  LUIGI_PYTHON=$(BENCH_VENV)/bin/python $(PY) -m pytest -q -n $(JOBS) --timeout 900; p=$$?; \
	  echo "ctest exit $$c, pytest exit $$p"; [ $$c -eq 0 ] && [ $$p -eq 0 ]

# Open-source Luigi projects' own test suites (pinned sdists from PyPI) under Luigi 3.8.1 and,
# renamed, under trun (docs/trun.md). Needs PyPI and builds venvs in build/ecosystem: not in `make test`.
ecosystem-check: $(PY_STAMP)
	@$(PY) trun/tools/ecosystem_check.py $(PROJECTS)

# The CMake-driven wheel (scikit-build-core) in a fresh venv: too slow for `make test`.
test-wheel: build
	@TICKLAB_WHEEL_TEST=1 $(PY) -m pytest -q tests/test_wheel_install.py --timeout 3600

demo: build $(BROWSER_STAMP)
	@$(VENV)/bin/ticklab demo --config $(CONFIG)

format: deps
	@find services bench -name '*.h' -o -name '*.cc' | xargs clang-format -i
	@$(VENV)/bin/ruff format clients trun tests bench

lint: deps
	@find services bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror
	@$(VENV)/bin/ruff check clients trun tests bench deploy

bench: build $(LUIGI_STAMP)
	@$(PY) bench/run_all.py

# Containers (docs/deploy.md). Docker, debootstrap and compose from Debian (COMPOSE=v2: compose v2
# built as the docker CLI plugin); the daemon started if it is not running (deploy/docker-ready.sh
# exits 77 when it cannot run on this machine at all: the one case CI does not fail on).
deploy-packages: $(APT_STAMP)
	$(call apt_install,$(DEPLOY_APT_PACKAGES))
	@[ "$(COMPOSE)" != v2 ] || deploy/compose-v2.sh

deploy-deps: deploy-packages
	@deploy/docker-ready.sh

# ticklab-base (debootstrap), ticklab-python (gateway, trund; from a wheelhouse filled on the host),
# ticklab-services (C++, multi-stage, on top of ticklab-python: the indicators server's Python
# host imports numpy and ticklab from its venv). Docker's layer cache makes a rebuild of unchanged
# sources quick.
image: deploy-deps $(PY_STAMP)
	@$(MAKE) --no-print-directory proto-py
	@deploy/base-image.sh ticklab-base:bookworm
	@$(PY) deploy/wheelhouse.py $(BUILD)/deploy/wheelhouse
	@echo "image: ticklab-python:$(IMAGE_TAG)"
	@docker build --force-rm -f deploy/python.Dockerfile -t ticklab-python:$(IMAGE_TAG) $(BUILD)/deploy/wheelhouse \
	  >$(BUILD)/deploy/python-image.log 2>&1 || { tail -40 $(BUILD)/deploy/python-image.log; exit 1; }
	@echo "image: ticklab-services:$(IMAGE_TAG) (compiles the servers inside; minutes the first time)"
	@docker build --force-rm -f deploy/services.Dockerfile \
	  --build-arg CXX_APT_PACKAGES="$(CXX_APT_PACKAGES)" --build-arg PYTHON_IMAGE=ticklab-python:$(IMAGE_TAG) \
	  -t ticklab-services:$(IMAGE_TAG) . \
	  >$(BUILD)/deploy/services-image.log 2>&1 || { tail -40 $(BUILD)/deploy/services-image.log; exit 1; }
	@docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^ticklab-'

# The stack from the images to the teardown: health, a tap compared with the .feat files, the
# pipeline on the containerised trund, a killed service resumed without loss (tests/deploy/).
# First the tests of trun.contrib.docker_runner and .batch on the real daemon (make test skips
# those without one).
deploy-test: build image $(LUIGI_STAMP)
	@TRUN_TEST_DOCKER=required LUIGI_PYTHON=$(BENCH_VENV)/bin/python $(PY) -m pytest -q -p no:cacheprovider \
	  trun/tests/test_luigi_same_docker_runner.py trun/tests/test_luigi_same_batch.py
	@TICKLAB_IMAGE_TAG=$(IMAGE_TAG) TICKLAB_COMPOSE="$(COMPOSE_COMMAND)" $(PY) tests/deploy/deploy_check.py
# Fuzzing (fuzz/README.md): Debian's clang builds everything with ASan + UBSan in build-fuzz/; each
# target runs FUZZ_RUNS executions or FUZZ_SECONDS, whichever comes first; then the Python readers
# get FUZZ_EXAMPLES hypothesis examples per property.
FUZZ_BUILD   := $(ROOT)/build-fuzz
FUZZ_RUNS    ?= 1000000
FUZZ_SECONDS ?= 600
FUZZ_EXAMPLES ?= 20000
FUZZ_APT     := clang libclang-rt-14-dev llvm
FUZZ_APT_STAMP := $(FUZZ_BUILD)/.apt-stamp

$(FUZZ_APT_STAMP): Makefile
	@missing=$$(for p in $(FUZZ_APT); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "fuzz: installing apt packages:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@mkdir -p $(FUZZ_BUILD) && touch $@

fuzz: build $(FUZZ_APT_STAMP)
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTICKLAB_FUZZ=ON -DTICKLAB_PYTHON=OFF -DTICKLAB_BLAS=openblas -DPython3_EXECUTABLE=$(PY) >$(FUZZ_BUILD)/cmake.log \
	  || (cat $(FUZZ_BUILD)/cmake.log; exit 1)
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $$(cd fuzz && ls *_fuzz.cc | sed 's/^/fuzz_/; s/_fuzz.cc$$//')
	@rm -rf $(FUZZ_BUILD)/seeds && $(PY) fuzz/make_seeds.py $(FUZZ_BUILD)/seeds $(BUILD)/bin >/dev/null
	@$(PY) fuzz/run.py $(FUZZ_BUILD) $(FUZZ_BUILD)/seeds --runs $(FUZZ_RUNS) --seconds $(FUZZ_SECONDS); c=$$?; \
	  TICKLAB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz_python_readers.py; p=$$?; \
	  [ $$c -eq 0 ] && [ $$p -eq 0 ]

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) clients/python/ticklab/v1
