# Reproduction suite: see README.md. Every reproduce target takes SCALE=smoke|fast|paper (default paper).
SCALE ?= paper
export SCALE
export SEEDS
PY := $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)
REPRO := $(PY) -m reproduce

.PHONY: install smoke test bench list reproduce-all report help

help:
	@echo "make install | smoke | test | bench | list | report | reproduce-all | reproduce-<paper> | reproduce-table-<paper>-<id> | reproduce-figure-<paper>-<id>"
	@echo "  options: SCALE=smoke|fast|paper (default paper)  DEVICE=cpu|cuda  AMP=0 (fp32)  COMPILE=1  FORCE=1 (CPU over 30 min)"
	@echo "           SEEDS=0,1,2 (train every cell under these seeds; default the paper's count)"
	@echo "           RETRAIN_STALE=1 (retrain fast/paper cells trained by other code; default: shown as stale)"
	@echo "           REPRO_DATA=<folder> (datasets; default ./data, downloaded there when writable)  EXECUTOR=local|slurm  JOBS=N"

install:
	python3 -m venv .venv
	.venv/bin/pip install --upgrade pip
	.venv/bin/pip install torch==2.14.1 torchvision==0.29.1
	.venv/bin/pip install -e '.[test]'

smoke:
	$(MAKE) reproduce-all SCALE=smoke
	@echo "smoke outputs: tables/smoke/ (scorecard tables/smoke/REPORT.md), figures/smoke/"

test:
	$(PY) -m pytest

bench:
	$(PY) -m benchmarks

list:
	$(REPRO) list

report:
	$(REPRO) report --scale $(SCALE)

reproduce-all:
	$(REPRO) all --scale $(SCALE)

# reproduce-table-ng-1 -> python -m reproduce table ng 1 (the id is everything after the paper key)
reproduce-table-%:
	$(REPRO) table $(firstword $(subst -, ,$*)) $(patsubst $(firstword $(subst -, ,$*))-%,%,$*) --scale $(SCALE)

reproduce-figure-%:
	$(REPRO) figure $(firstword $(subst -, ,$*)) $(patsubst $(firstword $(subst -, ,$*))-%,%,$*) --scale $(SCALE)

reproduce-%:
	$(REPRO) paper $* --scale $(SCALE)
