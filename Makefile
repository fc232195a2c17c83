# Mixtape developer commands. `make run` and `make test` bootstrap everything on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY313 ?= $(shell PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || command -v python3.13)
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
# checkov pins versions that clash with the project's (boto3, networkx, packaging): its own venv, like SAM's.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_VERSION := 3.3.30
# sam build (no container) needs python3.13 on PATH: the project venv provides it.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

HOST ?= 127.0.0.1
PORT ?= 3000
AWS_PORT ?= 5000
FUNCTION ?= RecommendFunction
EVENT ?= events/get_recommendations.json
SUB ?=
SCOPES ?= events:write recommendations:read profiles:read users:export users:erase preferences:write
TTL ?= 3600
DEMO ?= 1
WORKERS ?= 3
DRAIN_TIMEOUT ?= 600
DURATION ?= 60
CLIENTS ?= 8

.PHONY: help venv sam-cli checkov-cli run token invoke train train-spark spark-package import-lastfm load eval eval-trainers tune experiment-report bench cost measure test unit integration e2e fuzz e2e-browser screenshot lint fmt build validate deploy openapi client client-check clean

help:
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "Variables: PORT=$(PORT) (HTTP API) AWS_PORT=$(AWS_PORT) (moto) HOST=$(HOST), e.g. make run PORT=3100 AWS_PORT=5100;"
	@echo "  run: DEMO=0 (no demo catalog) WORKERS=$(WORKERS); load: DURATION=$(DURATION) CLIENTS=$(CLIENTS); train: DRAIN_TIMEOUT=$(DRAIN_TIMEOUT)"

$(VENV)/.stamp: requirements-dev.txt layers/common/requirements.txt
	@test -n "$(PY313)" || { echo "python3.13 not found (pyenv install 3.13.0)"; exit 1; }
	@test -x $(PY) || { echo "venv: creating $(VENV) with $(PY313)"; $(PY313) -m venv $(VENV); }
	@echo "venv: upgrading pip"; $(PY) -m pip install --quiet --upgrade pip
	@echo "venv: installing the pinned dependencies of requirements-dev.txt (a few minutes the first time)"
	@$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@; echo "venv: ready"

venv: $(VENV)/.stamp ## create .venv (python3.13) with pinned dependencies

$(SAM_VENV)/.stamp:
	@test -n "$(PY313)" || { echo "python3.13 not found (pyenv install 3.13.0)"; exit 1; }
	@test -x $(SAM_VENV)/bin/python || { echo "sam-cli: creating $(SAM_VENV)"; $(PY313) -m venv $(SAM_VENV); }
	@echo "sam-cli: installing aws-sam-cli==$(SAM_CLI_VERSION) (a few minutes the first time)"
	@$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@; echo "sam-cli: ready"

sam-cli: $(SAM_VENV)/.stamp ## install the pinned SAM CLI in its own venv

# The stamp names the version, so a new pin reinstalls.
$(CHECKOV_VENV)/.stamp-$(CHECKOV_VERSION):
	@test -n "$(PY313)" || { echo "python3.13 not found (pyenv install 3.13.0)"; exit 1; }
	@test -x $(CHECKOV_VENV)/bin/python || { echo "checkov: creating $(CHECKOV_VENV)"; $(PY313) -m venv $(CHECKOV_VENV); }
	@echo "checkov: installing checkov==$(CHECKOV_VERSION) (a minute or two the first time)"
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	@touch $@; echo "checkov: ready"

checkov-cli: $(CHECKOV_VENV)/.stamp-$(CHECKOV_VERSION) ## install the pinned checkov in its own venv

run: venv ## local stack: HTTP API on PORT (3000), moto on AWS_PORT (5000), SQS pollers; DEMO=0: no demo catalog
	$(PY) -m local.runner --host $(HOST) --port $(PORT) --aws-port $(AWS_PORT) --workers $(WORKERS) $(if $(filter 0,$(DEMO)),--no-seed)

# No venv prerequisite: a token is only useful with `make run` going, which made the venv; and `-s` output
# must be the token alone (README: TOKEN=$$(make -s token ...)).
token: ## print a token of the running stack's issuer: make token SUB=alice SCOPES="recommendations:read profiles:read"
	@$(PY) -m local.token --sub "$(SUB)" --scopes "$(SCOPES)" --ttl $(TTL)

invoke: venv ## invoke one handler against the running local stack: make invoke FUNCTION=IngestFunction EVENT=events/post_events.json
	$(PY) -m local.invoke $(FUNCTION) $(EVENT) --aws-port $(AWS_PORT)

train: venv ## retrain from the running stack's events log once its queues have drained (waits DRAIN_TIMEOUT s, else refuses)
	$(PY) -m local.invoke TrainFunction events/train_scheduled.json --aws-port $(AWS_PORT) --after-drain $(DRAIN_TIMEOUT)

train-spark: venv ## the Spark trainer (local[2]) on an export of the running stack's events log once its queues have drained; publishes to its S3
	$(PY) -m local.train_spark --aws-port $(AWS_PORT) --after-drain $(DRAIN_TIMEOUT)

spark-package: venv ## the Spark job's code for EMR Serverless: .aws-sam/spark/{main.py,job.zip} (layer + spark/)
	mkdir -p .aws-sam/spark
	rm -f .aws-sam/spark/job.zip
	$(PY) -m zipfile -c .aws-sam/spark/job.zip layers/common/mixtape spark
	cp spark/main.py .aws-sam/spark/main.py

import-lastfm: venv ## load Last.fm HetRec 2011 into the running stack, then wait until every profile is applied (USERS=N: first N)
	$(PY) -m local.importer lastfm --base-url http://$(HOST):$(PORT) --aws-port $(AWS_PORT) $(if $(LASTFM_DIR),--data $(LASTFM_DIR)) $(if $(USERS),--limit-users $(USERS))

load: venv ## mixed load on the running stack for DURATION s (CLIENTS at once), then check nothing was lost (reports/load.json)
	$(PY) -m local.load --base-url http://$(HOST):$(PORT) --aws-port $(AWS_PORT) --duration $(DURATION) --clients $(CLIENTS)

eval: venv ## offline evaluation on Last.fm: Mixtape served end to end (numpy and Spark trainers) vs baselines, tuning seeds 0-2 and held-out 3-4, heavy/light slices (reports/; EVAL_ARGS='--seeds 0 --no-spark ...')
	PYTHONPATH=layers/common $(PY) -m evaluation $(if $(LASTFM_DIR),--data $(LASTFM_DIR)) $(EVAL_ARGS)

eval-trainers: venv ## the numpy and the Spark trainer served side by side on Last.fm seeds 0-2, with what each produced and the Spark job's time (reports/eval-trainers.md; TRAINERS_ARGS='--seeds 0')
	PYTHONPATH=layers/common $(PY) -m evaluation.spark_trainer $(if $(LASTFM_DIR),--data $(LASTFM_DIR)) $(TRAINERS_ARGS)

tune: venv ## the quality levers, each measured on the served path on tuning and held-out seeds (reports/eval-levers.md; TUNE_ARGS='--seeds ...')
	PYTHONPATH=layers/common $(PY) -m evaluation.tune $(if $(LASTFM_DIR),--data $(LASTFM_DIR)) $(TUNE_ARGS)

experiment-report: venv ## an A/B test replayed on Last.fm: HR@10 / NDCG@10 / attributed plays per variant (reports/experiment.md; EXPERIMENT='{json}')
	PYTHONPATH=layers/common $(PY) -m evaluation.experiment_report $(if $(LASTFM_DIR),--data $(LASTFM_DIR)) $(if $(EXPERIMENT),--experiment '$(EXPERIMENT)')

bench: venv ## top-k, recommend compute vs the bandwidth limit, heard-filter size and units, cold starts, ingest throughput + DynamoDB units, cost (reports/)
	mkdir -p reports
	OPENBLAS_NUM_THREADS=1 $(PY) -m bench.topk_bench --out reports
	$(PY) -m bench.recommend_bench --out reports
	OPENBLAS_NUM_THREADS=1 $(PY) -m bench.heard_filter --out reports
	$(PY) -m bench.cold_start --json > reports/cold_start.json
	$(PY) -m bench.ingest_bench --json > reports/ingest.json
	$(PY) -m bench.cost --ingest-json reports/ingest.json --cold-start-json reports/cold_start.json | tee reports/cost.md

cost: venv ## AWS cost of 1M events and 1M recommendations vs Amazon Personalize (prices: bench/prices.toml)
	$(PY) -m bench.cost $(if $(wildcard reports/ingest.json),--ingest-json reports/ingest.json) $(if $(wildcard reports/cold_start.json),--cold-start-json reports/cold_start.json)

measure: venv ## latency, ingest rate and freshness through the running local stack (make run first)
	$(PY) -m local.measure --base-url http://$(HOST):$(PORT)

# bandit and checkov run offline; what they skip, and why: .security-skips.md.
lint: venv sam-cli checkov-cli ## ruff, mypy, lint-imports, bandit, checkov, OpenAPI and client checks, cfn-lint, sam validate
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	PYTHONPATH=layers/common:. $(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -c pyproject.toml -q -r layers/common/mixtape functions local bench evaluation spark
	$(CHECKOV) --config-file .checkov.yaml -f template.yaml
	$(PY) -m local.openapi --check
	$(MAKE) --no-print-directory client-check
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --region us-east-1

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint ## lint, then unit + integration + end-to-end tests
	$(PY) -m pytest

unit: venv ## unit tests only, without the ones that spawn interpreters
	$(PY) -m pytest tests/unit -m "not process"

integration: venv
	$(PY) -m pytest tests/integration tests/template

e2e: venv
	$(PY) -m pytest tests/e2e

# What it configures, and why: local/fuzz.py and the README (Development).
fuzz: venv ## schemathesis (every check, positive + negative, stateful links) against its own local stack
	$(PY) -m local.fuzz $(if $(EXAMPLES),--examples $(EXAMPLES)) $(if $(SEED),--seed $(SEED))

# Debian's chromium (apt-get install chromium), driven by Playwright; `make test` runs these too.
e2e-browser: venv ## the console and the API docs in headless Chromium against a fresh local stack
	$(PY) -m pytest tests/e2e/test_console.py

screenshot: venv ## refresh docs/console.png: the console after a like, from the browser test
	CONSOLE_SCREENSHOT=docs/console.png $(PY) -m pytest tests/e2e/test_console.py -k like

openapi: venv ## regenerate the OpenAPI document served at /v1/openapi.json
	$(PY) -m local.openapi --write

# The typed Python client (clients/python, never edited by hand) is generated from the OpenAPI document:
# after `make openapi`, `make client`. Its own pyproject.toml holds the ruff settings the generator formats with.
CLIENT_GENERATE := $(VENV)/bin/openapi-python-client generate --path layers/common/mixtape/api/openapi.json \
	--meta uv --config clients/openapi-python-client.yaml --overwrite

client: venv ## regenerate the typed Python client in clients/python/ from the OpenAPI document
	$(CLIENT_GENERATE) --output-path clients/python

client-check: venv ## fail when clients/python is not what `make client` generates from openapi.json
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(CLIENT_GENERATE) --output-path "$$tmp/python" > /dev/null && \
	diff -r -x .ruff_cache -x .mypy_cache -x __pycache__ -x '*.egg-info' "$$tmp/python" clients/python || \
	{ echo "clients/python is out of date: run make client" >&2; exit 1; }

# sam build ships no .pyc and Lambda's filesystem is read-only, so without compileall every cold start
# compiles every module it imports again. unchecked-hash because SAM's zips carry no timestamps
# (aws-lambda-builders#924); -s/-p so tracebacks name the paths Lambda runs from.
build: venv sam-cli ## sam build (no container; arm64 wheels), then precompile the bytecode
	$(SAM) build
	$(PY) -m compileall -q -j 0 --invalidation-mode unchecked-hash \
		-s .aws-sam/build/CommonLayer/python -p /opt/python .aws-sam/build/CommonLayer/python
	for dir in .aws-sam/build/*Function; do \
		$(PY) -m compileall -q --invalidation-mode unchecked-hash -s $$dir -p /var/task $$dir || exit 1; \
	done

validate: sam-cli
	$(SAM) validate --lint --region us-east-1

deploy: build ## sam deploy --guided
	$(SAM) deploy --guided

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
