# The commands a user types. Go's build cache makes repeated runs fast; the
# first build compiles pulumi-aws (a few minutes).
PHASE ?= 1
STACK ?= Pulumi.dev.yaml
# TARGET=localstack plans the same phase with every AWS endpoint at LocalStack.
TARGET ?=
SET    := $(if $(TARGET),-set target=$(TARGET))
GO    ?= go
BIN   := bin

.PHONY: plan diagram diff policy test test-iac test-app services faults bench vet fmt up preview clean

plan: $(BIN)/plan ## print phase PHASE's resource graph as JSON (offline)
	@$(BIN)/plan -phase "$(PHASE)" -stack "$(STACK)" $(SET)

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

policy: $(BIN)/policy ## run the policy pack offline on every phase
	@$(BIN)/policy -stack "$(STACK)"

$(BIN)/policy: FORCE
	@$(GO) build -o $(BIN)/policy ./cmd/policy

services: ## start PostgreSQL (primary + streaming replica), Redis and the SQS/S3 emulator for the tests on real servers
	@scripts/test-services.sh

# The app's packages run one at a time: some stop the shared replica or pause
# its replay, which would disturb another package's routing assertions.
# The docker target's stand-ins run their scripts and init files on the same
# real servers, so they run with the app, after `services`.
IAC_PKGS = $$($(GO) list ./... | grep -v -e /app -e /components/containers)

test: services vet ## every test: config, components, transitions, policies, the app on real servers, and the fault suite
	$(GO) test -count=1 $(IAC_PKGS)
	$(GO) test -race -count=1 -p 1 ./app/...
	$(GO) test -count=1 ./components/containers
	$(GO) run ./app/cmd/faults

faults: services ## the app under faults (HAProxy, two web instances, primary + replica, Redis, worker): one table; fails when a bound breaks
	$(GO) run ./app/cmd/faults

test-iac: ## only the infrastructure tests (no servers needed)
	$(GO) test -count=1 $(IAC_PKGS)

test-app: services ## only the app's tests, on real PostgreSQL and Redis
	$(GO) test -race -count=1 -p 1 ./app/...

bench: services ## profile reads through the real HTTP stack, cache off and on; plan and policy speed
	$(GO) run ./app/cmd/loadbench
	$(GO) test -run '^$$' -bench . -benchmem ./stacks ./policies ./app/http ./app/password ./app/jobs

vet:
	$(GO) vet ./...
	shellcheck scripts/*.sh .ci/run components/containers/*.sh
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

preview: ## pulumi preview of phase PHASE with the policy pack (the Pulumi CLI; AWS credentials, LocalStack or Docker by TARGET)
	pulumi config set phase "$(PHASE)"
	$(if $(TARGET),pulumi config set target "$(TARGET)")
	pulumi preview --policy-pack policies

up: ## pulumi up of phase PHASE (the Pulumi CLI; AWS credentials, LocalStack or Docker by TARGET)
	pulumi config set phase "$(PHASE)"
	$(if $(TARGET),pulumi config set target "$(TARGET)")
	pulumi up

clean:
	rm -rf $(BIN)

FORCE:
