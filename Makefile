# gep: the two commands of the README are `make demo` and `make test`; both install what they
# need (GDAL and PROJ development packages) on a fresh Debian/Ubuntu machine.
SWIFT ?= swift
SUDO := $(shell if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then echo sudo; fi)
APT_PACKAGES := libgdal-dev libproj-dev pkg-config
DEMO_RUN := sample-data/demo-county/gep.toml
DEMO_OUT := out/demo
DEMO_YEARS_RUN := sample-data/demo-county/gep-years.toml
DEMO_YEARS_OUT := out/demo-years

# What `make test` adds: headless Chromium for the report tests (ReportTests) and a CJK font
# so its screenshots show the Chinese labels; Slurm and munge for the single-node Slurm test
# of the array job and its merge (ScaleOutTests, issue 19: it starts its own munged,
# slurmctld and slurmd in a temporary folder, as root, and stops them by PID).
TEST_APT_PACKAGES := chromium fonts-wqy-microhei slurmctld slurmd slurm-client munge

.PHONY: setup test-setup build release test demo lint format bench clean

## setup: install libgdal-dev, libproj-dev and pkg-config with apt-get, only when missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "setup: GDAL $$(pkg-config --modversion gdal) and PROJ $$(pkg-config --modversion proj) present"; fi
	@command -v $(SWIFT) >/dev/null || { echo "setup: no Swift toolchain on PATH (see README)"; exit 1; }

## build: debug build of the library and the gep executable.
build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

## test-setup: install Chromium, a CJK font, Slurm and munge with apt-get, only when missing; a
## failure to install is reported and the tests that need them (the Chromium report tests, the
## Slurm test) then skip with a message.
test-setup:
	@missing=""; for p in $(TEST_APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "test-setup: installing$$missing"; \
	  ( $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing ) \
	  || echo "test-setup: could not install$$missing; the tests that need them (Chromium report, Slurm) will skip"; \
	else echo "test-setup: $$(chromium --version 2>/dev/null), $$(sbatch --version 2>/dev/null) present"; fi

## test: every test suite (tests that need ../shared/data skip when it is absent; the
## Chromium report tests skip when Chromium is missing, the Slurm test when Slurm is missing or
## the user is not root).
test: setup test-setup
	$(SWIFT) test

## demo: the yearly account of the embedded demo county, with report.html and account.xlsx,
## and its SEEA EA tables (gep export seea, into out/demo-seea); then its two years (2020
## synthetic, 2024), their comparison (gep compare: change at constant prices, decomposed)
## and their SEEA extent account with the gross changes (out/demo-years/seea).
demo: release
	@if [ -f $(DEMO_RUN) ]; then \
	  .build/release/gep compute $(DEMO_RUN) --out $(DEMO_OUT) --overwrite --report && \
	  .build/release/gep export seea $(DEMO_OUT) --out $(DEMO_OUT)-seea --overwrite && \
	  .build/release/gep compute $(DEMO_YEARS_RUN) --out $(DEMO_YEARS_OUT) --overwrite --quiet && \
	  .build/release/gep compare $(DEMO_YEARS_OUT)/2020 $(DEMO_YEARS_OUT)/2024 \
	    --out $(DEMO_YEARS_OUT)/compare --overwrite && \
	  .build/release/gep export seea $(DEMO_YEARS_OUT)/2024 --opening $(DEMO_YEARS_OUT)/2020 \
	    --out $(DEMO_YEARS_OUT)/seea --overwrite; \
	else \
	  .build/release/gep --help; \
	  echo "demo: $(DEMO_RUN) is not there yet; gep is built and its help is above."; \
	fi

## lint: swift-format in strict mode over Sources and Tests.
lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive --parallel Sources Tests Package.swift

## bench: throughput and memory of gep compute on synthetic inputs, then many units (cell
## centre vs exact coverage) and gep vep on large and one-mu parcels (see Benchmarks in README).
bench: release
	@[ -x /usr/bin/time ] || { echo "bench: installing time"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time; }
	.build/release/gep-bench run --sizes "$(or $(BENCH_SIZES),1 16 64)" \
	  --dir $(or $(BENCH_DIR),/tmp/gep-bench) --compress $(or $(BENCH_COMPRESS),NONE) \
	  --threads $(or $(BENCH_THREADS),2) --gep .build/release/gep --coefficients coefficients \
	  $(if $(BENCH_WARP),--warp)
	.build/release/gep-bench units --cells $(or $(BENCH_UNIT_CELLS),16000000) \
	  --counts "$(or $(BENCH_UNITS),200 20000 100000)" --parcels $(or $(BENCH_PARCELS),10000) \
	  --dir $(or $(BENCH_DIR),/tmp/gep-bench) --threads $(or $(BENCH_THREADS),2) \
	  --gep .build/release/gep --coefficients coefficients

clean:
	rm -rf .build out
