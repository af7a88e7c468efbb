# mesoprep: consultation-preparation assistant for hair mesotherapy.
# `make help` lists the targets. Everything bootstraps itself: the first target
# you run creates .venv with Python 3.10, installs the pinned dependencies and
# trains a model when config.yml, domain.yml, data/ or the custom NLU
# components changed since the last one.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RASA := $(BIN)/rasa
PORT ?= 5005
ACTIONS_PORT ?= 5055
MODEL := models/mesoprep.tar.gz
RUN_DIR := .run
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Secrets and local settings (.env.example lists them; .env is never
# committed), loaded into the recipes that start servers.
LOAD_ENV := set -a; if [ -f .env ]; then . ./.env; fi; set +a

# Everything that changes what `rasa train` produces.
TRAINING_INPUTS := config.yml domain.yml bot/guide.py bot/paths.py $(shell find data bot/nlu bot/safety bot/semantic -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) 2>/dev/null)

# Runtime defaults; each can be overridden from the environment (.env.example).
export ACTION_ENDPOINT_URL ?= http://localhost:$(ACTIONS_PORT)/webhook
# Reproducible hashing, no telemetry, no third-party noise: the same file the
# server harness (tools/harness.py) reads.
include tools/quiet.env
export $(shell sed -n 's/^\([A-Z_]*\)=.*/\1/p' tools/quiet.env)

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# ---- Set-up -------------------------------------------------------------------

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-model.txt
	@bash tools/bootstrap_venv.sh $(VENV)
	@touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install the pinned dependencies

$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	@echo "==> Training (inputs changed since the last model; about a minute)..."
	@mkdir -p $(RUN_DIR)
	@# Third-party warnings go to the log; it is shown if training fails.
	@$(RASA) train --fixed-model-name mesoprep --out models --quiet \
		2>$(RUN_DIR)/train.log || { tail -n 40 $(RUN_DIR)/train.log; exit 1; }
	@touch $@

.PHONY: train
train: $(MODEL) ## Train the model if its inputs changed

# ---- Talking to it ------------------------------------------------------------

.PHONY: credentials
credentials: $(VENV)/.installed ## Write .run/credentials.yml for the channels configured here
	@$(LOAD_ENV); $(PY) -m bot.channels.credentials credentials.yml $(RUN_DIR)/credentials.yml

.PHONY: shell
shell: $(MODEL) credentials ## Chat in the terminal (starts and stops the action server)
	@$(LOAD_ENV); $(PY) -m tools.harness shell --actions-port $(ACTIONS_PORT) \
		--model $(MODEL) --endpoints endpoints.yml \
		--credentials $(RUN_DIR)/credentials.yml --quiet

.PHONY: run
# bot.serve is `rasa run` plus the environment's settings (.env.example): the
# HTTP API only with RASA_API_TOKEN or RASA_JWT_SECRET, CORS for CORS_ORIGINS,
# conversations in DATABASE_URL (default: SQLite in .data/), locks in REDIS_URL.
run: $(MODEL) credentials ## Serve on http://localhost:$(PORT): REST, socketio, widget (Ctrl-C stops)
	@echo "==> REST channel: http://localhost:$(PORT)/webhooks/rest/webhook"
	@echo "==> Widget demo:  http://localhost:$(PORT)/webhooks/widget/demo"
	@$(LOAD_ENV); $(PY) -m tools.harness run --actions-port $(ACTIONS_PORT) \
		--model $(MODEL) --endpoints endpoints.yml \
		--credentials $(RUN_DIR)/credentials.yml --port $(PORT)

.PHONY: actions
actions: $(VENV)/.installed ## Run the action server alone
	@$(RASA) run actions --port $(ACTIONS_PORT)

# ---- Checks -------------------------------------------------------------------

.PHONY: lint
lint: $(VENV)/.installed ## ruff and mypy on all Python code
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

.PHONY: validate
validate: $(VENV)/.installed ## rasa data validate, warnings are errors
	@echo "==> Validating training data and domain..."
	@$(RASA) data validate --fail-on-warning --quiet

.PHONY: notes-check
notes-check: $(VENV)/.installed ## Validate the clinic's notes (CLINIC_NOTES) and the example notes
	@$(PY) -m bot.clinic_notes check
	@$(PY) -m bot.clinic_notes check data/clinic_notes.example.md

.PHONY: insights
insights: $(VENV)/.installed ## The clinic's summary of the last DAYS days (default 30) in the terminal
	@$(LOAD_ENV); $(PY) -m bot.insights --days $(or $(DAYS),30)

.PHONY: unit
unit: $(VENV)/.installed ## pytest: actions, content, safety net (no server needed)
	@$(BIN)/pytest -q -s tests -m "not server and not scale and not model"

.PHONY: stories
stories: $(MODEL) ## End-to-end test stories, any prediction error fails
	@echo "==> Test stories..."
	@$(RASA) test core --model $(MODEL) --stories tests/stories \
		--fail-on-prediction-errors --out results/stories --quiet

.PHONY: evaluate
# The gate was 0.95 before the risk gate's "symptom now" outcome: its new
# class (4 held-out examples) and two questions it calls symptom reports cost
# 0.008 (README, Safety). It was 0.94 before "when will I see results?" got
# its own intent: that class (6 held-out examples, F1 0.73) takes one
# sessions question ("how many visits until I see results") and loses two of
# its own, 0.944 -> 0.939.
evaluate: $(MODEL) ## NLU on the held-out test set: report, confusion matrix, F1 gate
	@echo "==> NLU evaluation on tests/nlu (held out from training)..."
	@$(RASA) test nlu --model $(MODEL) --nlu tests/nlu --out results/nlu --quiet
	@$(PY) -m tools.check_nlu_report results/nlu --model $(MODEL) --min-f1 0.935 2>/dev/null

# Browser tests use Debian's Chromium (a browser download is not possible).
.PHONY: browser
browser: ## Install headless Chromium if missing
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "==> Installing Debian's chromium for the browser tests..."; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# Each style folder of data/risk/ is one writer's: the model is trained
# without each writer in turn and judged on that writer's messages.
.PHONY: risk-cv
risk-cv: $(VENV)/.installed ## Risk model, leaving one corpus writer out (about 5 min)
	@echo "==> Risk model: training without each writer in turn..."
	@$(PY) -m tools.risk_cv

# Each file of data/nlu/writers/ is one writer's: the classifier is trained
# without each writer in turn and judged on that writer's messages.
.PHONY: nlu-cv
nlu-cv: $(VENV)/.installed ## Intent classifier, leaving one corpus writer out (about 10 min)
	@echo "==> Intent classifier: training without each writer in turn..."
	@$(PY) -m tools.nlu_cv $(if $(WEIGHTS),--dense-weights $(WEIGHTS))

.PHONY: conversations
# The test servers run `python -m bot.serve`, as `make run` does, each with
# its own database in a temporary directory (tools/harness.py).
conversations: $(MODEL) browser ## Live server: conversations, channels, widget in Chromium, public sample
	@echo "==> Conversations against a live server (starts in about half a minute)..."
	@$(BIN)/pytest -q -rs -s tests -m "(server or model) and not scale"

.PHONY: test
test: lint validate notes-check unit stories evaluate conversations ## Everything CI runs
	@echo "==> All checks passed."

# Two Rasa servers behind nginx (round robin) sharing one PostgreSQL and one
# Redis, all private instances on loopback in a temporary directory. Installs
# Debian's postgresql, redis-server and nginx first where missing (no service
# is started). CI runs it after `make test`.
.PHONY: scale-test
scale-test: $(MODEL) ## Two servers behind nginx with PostgreSQL and Redis (installs them)
	@bash tools/scale_packages.sh
	@echo "==> Scale-out: two servers, one conversation (starts in about a minute)..."
	@$(BIN)/pytest -q -rs -s tests -m scale

# ---- Container image ---------------------------------------------------------

# The image of Containerfile, served as `make run` serves the project; the
# action server is the same image with `rasa run actions --port 5055`.
# compose.yml runs both with PostgreSQL and Redis. Podman is used when
# installed, else Docker (ENGINE=docker make image to choose). Podman builds
# in Docker's format, which keeps the HEALTHCHECK (OCI's format drops it).
IMAGE ?= mesoprep:latest
ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
# Extra build options, e.g. IMAGE_BUILD_ARGS="--build-arg BASE_IMAGE=..."
IMAGE_BUILD_ARGS ?=

.PHONY: image
image: ## Build the container image mesoprep:latest (podman or docker)
	@echo "==> Building $(IMAGE) with $(ENGINE) (trains the model in the build unless $(MODEL) exists)..."
	@$(ENGINE) build $(if $(filter podman,$(notdir $(ENGINE))),--format docker) \
		-f Containerfile -t $(IMAGE) $(IMAGE_BUILD_ARGS) .

# Builds local base images (nothing can be pulled here) and the image, and
# checks what the image holds. Installs podman, buildah, runc, debootstrap and
# podman-compose where missing. CI runs it after `make scale-test`.
.PHONY: image-test
image-test: ## Build the image and check it (installs podman; about 10 min)
	@bash tools/image_test.sh

# compose.yml for real with the image `make image-test` built (built first
# when missing): the assistant, the action server, PostgreSQL and Redis; every
# health check; a cited conversation across a restart of the assistant; all
# of it removed afterwards. CI runs it after `make image-test`.
.PHONY: compose-test
compose-test: ## Run compose.yml with the built image: health, a restart, teardown (about 2 min)
	@bash tools/compose_test.sh

# ---- Privacy ------------------------------------------------------------------

# Conversations idle for more than DAYS days (default RETENTION_DAYS) are
# deleted from the database the server uses (DATABASE_URL, else .data/).
.PHONY: retention
retention: $(VENV)/.installed ## Delete conversations idle for DAYS days (make retention DAYS=30)
	@$(LOAD_ENV); $(PY) -m tools.retention $(if $(DAYS),--days $(DAYS))

# ---- Benchmark ----------------------------------------------------------------

# Trains mesoprep and a baseline (Rasa's default config) on the same data,
# serves each with the action server and drives both with the same REST load.
# BENCH_ARGS passes options, e.g. BENCH_ARGS=--retrain-baseline (`$(PY) -m
# tools.bench --help` lists them).
.PHONY: bench
bench: $(VENV)/.installed ## Benchmark against Rasa's defaults: reports/bench/report.md
	@echo "==> Benchmark: mesoprep against Rasa's default pipeline and policies..."
	@$(LOAD_ENV); $(PY) -m tools.bench $(BENCH_ARGS)
	@$(PY) -m tools.bench.insights

.PHONY: clean
clean: ## Remove trained models and test results (keeps .venv)
	rm -rf models/*.tar.gz results $(RUN_DIR)
