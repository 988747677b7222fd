# The commands a user types. Go's build cache makes repeated runs fast; the
# first build compiles pulumi-aws (a few minutes).
PHASE ?= 1
STACK ?= Pulumi.dev.yaml
# TARGET=localstack plans the same phase with every AWS endpoint at LocalStack.
TARGET ?=
# DOMAIN=shop.your-domain.com plans with a domain (phase 7 on aws needs one;
# the dev stack ships without).
DOMAIN ?=
# SETTINGS="cacheEngine=valkey ..." plans with more settings over the stack file's.
SETTINGS ?=
SET    := $(if $(TARGET),-set target=$(TARGET)) $(if $(DOMAIN),-set domain=$(DOMAIN)) $(foreach s,$(SETTINGS),-set $(s))
# VIEW=preview plans what a first preview shows (ids, ARNs, endpoints unknown).
VIEW  ?= known
GO    ?= go
BIN   := bin

.PHONY: help plan diagram diff review cost policy test test-iac test-engine test-app pulumi-cli services faults bench vet up preview e2e-docker clean

help: ## list every target with what it does
	@awk -F':.*## ' '/^[a-z][a-z0-9-]*:.*## /{ printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

plan: $(BIN)/plan ## print phase PHASE's resource graph as JSON (offline)
	@$(BIN)/plan -phase "$(PHASE)" -stack "$(STACK)" $(SET) -view "$(VIEW)"

$(BIN)/plan: FORCE
	@$(GO) build -o $(BIN)/plan ./cmd/plan

diagram: $(BIN)/plan ## phase PHASE's components as a Mermaid flowchart
	@$(BIN)/plan -phase "$(PHASE)" -stack "$(STACK)" $(SET) -format mermaid

BASE ?= origin/main

diff: $(BIN)/plan ## what this branch changes in phase PHASE's graph, against BASE (a git ref), as Markdown
	@rm -rf $(BIN)/base && git worktree add --detach -f $(BIN)/base "$(BASE)" >/dev/null
	@cd $(BIN)/base && $(GO) run ./cmd/plan -phase "$(PHASE)" -stack "$(STACK)" $(SET) > ../base.json; status=$$?; \
	  cd ../.. && git worktree remove --force $(BIN)/base; exit $$status
	@$(BIN)/plan -phase "$(PHASE)" -stack "$(STACK)" $(SET) > $(BIN)/head.json
	@$(GO) run ./cmd/plandiff $(BIN)/base.json $(BIN)/head.json
	-@$(GO) run ./cmd/cost $(COST_FLAGS) -diff $(BIN)/base.json $(BIN)/head.json

# `make review` writes the pull request's comment: every phase's graph at BASE
# and at the working tree (with the domain `make cost` uses), their diff,
# cost change, budget gate and the policy pack's findings, in
# bin/review/comment.md (trimmed to GitHub's limit) and bin/review/full.md.
# REVIEW_FLAGS passes more, e.g. -smoke FILE or -summary-url URL.
REVIEW_FLAGS ?=
review: $(BIN)/plan ## the pull request's comment against BASE: per phase the graph diff, cost change, budget and policy findings
	@rm -rf $(BIN)/base $(BIN)/review && mkdir -p $(BIN)/review/base $(BIN)/review/head
	@git worktree add --detach -f $(BIN)/base "$(BASE)" >/dev/null
	@cd $(BIN)/base && $(GO) build -o ../plan-base ./cmd/plan && for p in 1 2 3 4 5 6 7 8 9; do \
	  ../plan-base -phase "$$p" -stack "$(STACK)" $(COST_SET) > ../review/base/phase-$$p.json 2>../review/base/phase-$$p.err || rm -f ../review/base/phase-$$p.json; \
	done; status=$$?; cd ../.. && git worktree remove --force $(BIN)/base; exit $$status
	@for p in 1 2 3 4 5 6 7 8 9; do $(BIN)/plan -phase "$$p" -stack "$(STACK)" $(COST_SET) > $(BIN)/review/head/phase-$$p.json || exit 1; done
	@$(GO) run ./cmd/review -base $(BIN)/review/base -head $(BIN)/review/head -range "$(BASE)..$$(git rev-parse --short HEAD)" \
	  $(COST_FLAGS) -out $(BIN)/review/comment.md -full $(BIN)/review/full.md $(REVIEW_FLAGS); status=$$?; \
	  echo "bin/review/comment.md: $$(wc -c < $(BIN)/review/comment.md) bytes"; exit $$status

# `make cost` prices the dev stack's offline graphs with cost/prices.yaml and
# the traffic in cost/usage.yaml (USAGE=my-usage.yaml for yours, PRICES=... for
# another table). Phases 7-9 need a domain: cost plans every phase with
# DOMAIN, else COST_DOMAIN, so all nine share the same settings.
COST_DOMAIN ?= shop.scalezero-demo.net
USAGE  ?=
PRICES ?=
# BUDGET is the per-phase monthly ceiling a phase must stay under.
BUDGET ?= budget.yaml
# YEAR=2 prices the stack's second year (rotated KMS keys cost more).
YEAR   ?=
COST_FLAGS := $(if $(USAGE),-usage $(USAGE)) $(if $(PRICES),-prices $(PRICES)) $(if $(BUDGET),-budget $(BUDGET))
COST_SET   := $(if $(TARGET),-set target=$(TARGET)) -set domain=$(or $(DOMAIN),$(COST_DOMAIN)) $(foreach s,$(SETTINGS),-set $(s))

cost: $(BIN)/plan $(BIN)/cost ## monthly on-demand cost of phase PHASE per resource and tier; without PHASE, phases 1-9 and what each step adds
	@phases="$(if $(filter command line environment,$(origin PHASE)),$(PHASE),1 2 3 4 5 6 7 8 9)"; files=""; \
	for p in $$phases; do \
	  $(BIN)/plan -phase "$$p" -stack "$(STACK)" $(COST_SET) > $(BIN)/cost-$$p.json || exit 1; files="$$files $(BIN)/cost-$$p.json"; \
	done; \
	$(BIN)/cost $(COST_FLAGS) $(if $(YEAR),-year $(YEAR)) $$files

$(BIN)/cost: FORCE
	@$(GO) build -o $(BIN)/cost ./cmd/cost

policy: $(BIN)/policy ## run the policy pack offline on every phase (DOMAIN=... for phases 7-9 of a stack without one)
	@$(BIN)/policy -stack "$(STACK)" $(SET)

$(BIN)/policy: FORCE
	@$(GO) build -o $(BIN)/policy ./cmd/policy

services: ## start PostgreSQL (primary + streaming replica), Redis, the SQS/S3 emulator and the DynamoDB emulator for the tests on real servers
	@scripts/test-services.sh

# The app's packages run one at a time: some stop the shared replica or pause
# its replay, which would disturb another package's routing assertions.
# The docker target's stand-ins run their scripts and init files on the same
# real servers, so they run with the app, after `services`.
IAC_PKGS = $$($(GO) list ./... | grep -v -e /app -e /components/containers)

# The engine run (./engine) climbs the phases under the real Pulumi CLI,
# which scripts/pulumi-cli.sh builds once from the Go module proxy into
# ~/.cache/scalezero (a few minutes); it takes longer than go test's default
# 10 minutes on a cold build cache, hence the timeout.
TEST_TIMEOUT ?= 60m

test: services vet pulumi-cli ## every test: config, components, transitions, policies, the engine ladder, the app on real servers, and the fault suite
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(IAC_PKGS)
	$(GO) test -race -count=1 -p 1 ./app/...
	$(GO) test -count=1 ./components/containers
	$(GO) run ./app/cmd/faults

faults: services ## the app under faults (HAProxy, two web instances, primary + replica, Redis, worker): one table; fails when a bound breaks
	$(GO) run ./app/cmd/faults

test-iac: pulumi-cli ## only the infrastructure tests, the engine ladder included (no servers needed)
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(IAC_PKGS)

test-engine: pulumi-cli ## only the engine ladder, step by step
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -v ./engine

pulumi-cli: ## build the Pulumi CLI the engine tests run (once per version; prints its path)
	@scripts/pulumi-cli.sh

test-app: services ## only the app's tests, on real PostgreSQL and Redis
	$(GO) test -race -count=1 -p 1 ./app/...

bench: services ## profile reads through the real HTTP stack, cache off and on, and the cached read against one bare Redis GET (ratios app / bare); a burst of logins; plan and policy speed
	$(GO) run ./app/cmd/loadbench
	$(GO) run ./app/cmd/loginburst
	$(GO) test -run '^$$' -bench . -benchmem ./stacks ./policies ./app/http ./app/password ./app/jobs

ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

vet: ## go vet, shellcheck, actionlint and gofmt over the repository
	$(GO) vet ./...
	shellcheck scripts/*.sh .ci/run components/containers/*.sh
	$(GO) run $(ACTIONLINT) .github/workflows/*.yml
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# The Pulumi CLI's commands. POLICY=1 adds the policy pack to a preview: the
# CLI then installs its OPA plugin (pulumi-language-opa) on demand, which
# needs the plugin's download site; `make policy` runs the same pack offline.
# YES=1 lets `make up` run without a terminal (pulumi up --yes).
POLICY ?=
YES    ?=

preview: ## pulumi preview of phase PHASE (POLICY=1: with the policy pack; AWS credentials, LocalStack or Docker by TARGET)
	pulumi config set phase "$(PHASE)"
	$(if $(TARGET),pulumi config set target "$(TARGET)")
	$(if $(DOMAIN),pulumi config set domain "$(DOMAIN)")
	pulumi preview $(if $(POLICY),--policy-pack policies)
	$(if $(POLICY),,@echo "(no policy pack: POLICY=1 adds it; make policy runs it offline)")

up: ## pulumi up of phase PHASE (YES=1: no confirmation prompt; AWS credentials, LocalStack or Docker by TARGET)
	pulumi config set phase "$(PHASE)"
	$(if $(TARGET),pulumi config set target "$(TARGET)")
	$(if $(DOMAIN),pulumi config set domain "$(DOMAIN)")
	pulumi up $(if $(YES),--yes)

# The docker target for real: needs a Docker engine (DOCKER_HOST or the local
# socket), the Pulumi CLI and the pulumi-docker plugin go.mod names. A new
# stack on a file backend of its own; E2E_FLAGS="-to 5" stops lower, "-phase 8"
# deploys phase 8 alone (one up, smoke, destroy: the pull request's
# environment), "-smoke-out FILE" writes the result as Markdown for
# `make review REVIEW_FLAGS="-smoke FILE"`, -keep leaves the stack up.
E2E_FLAGS ?=

e2e-docker: ## on a Docker engine: climb 1 -> 9 on a new stack, smoke-test through the front door after each step, count 5xx during each up, lower to 1, destroy; one table
	$(GO) run ./cmd/e2e-docker $(E2E_FLAGS)

clean: ## remove bin/ (built commands, plan and cost files)
	rm -rf $(BIN)

FORCE:
