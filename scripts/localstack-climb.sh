#!/usr/bin/env bash
# Climbs the phases a LocalStack tier serves on the dev stack's config with
# target localstack, and writes the result as Markdown for the review
# comment's smoke-test section. It checks that LocalStack takes each phase's
# resources; the app is smoke-tested on the docker target. cmd/localstack-phases picks the phases (from
# stacks/localstack.go) and says why it skips the others; each phase gets a
# `pulumi up` and then a preview that must change nothing. A phase that
# fails stops the climb (the next ones build on it). The pull-request
# workflow runs it against a LocalStack container and destroys the stack
# afterwards; so can anyone with LocalStack running:
#
#   PULUMI_BACKEND_URL=file://$HOME/ls-state PULUMI_CONFIG_PASSPHRASE=x \
#     LOCALSTACK_TIER=base DOMAIN=shop.example.net scripts/localstack-climb.sh out.md
#
# Environment: LOCALSTACK_TIER (free, base, ultimate, student; default free),
# DOMAIN (phases 7-9 route by it), LOCALSTACK_ENDPOINT (default
# http://localhost:4566), STACK (default dev: Pulumi.dev.yaml's config, which
# lets a stack be destroyed), and the Pulumi backend and passphrase.
set -euo pipefail

out=${1:?usage: scripts/localstack-climb.sh RESULT.md}
tier=${LOCALSTACK_TIER:-free}
endpoint=${LOCALSTACK_ENDPOINT:-http://localhost:4566}
stack=${STACK:-dev}
domain=${DOMAIN:?DOMAIN: phases 7-9 route by a domain; any name not reserved will do on LocalStack}
logs=$(mktemp -d)
skipped="$logs/skipped.md"

# An assignment, so that a failure of the command stops the script (set -e).
list=$(go run ./cmd/localstack-phases -tier "$tier" -set "domain=$domain" -why "$skipped")
read -ra phases <<< "$list"

{
	echo "**localstack target, the $tier tier** (phases the tier serves: ${phases[*]:-none}; \`pulumi up\`, then a preview that must change nothing)"
	echo
} > "$out"

status=0
if [ ${#phases[@]} -eq 0 ]; then
	echo "No phase runs on this tier (the repository variable LOCALSTACK_TIER names the tier of its token)." >> "$out"
else
	pulumi stack init "$stack"
	pulumi config set target localstack
	pulumi config set localstackEndpoint "$endpoint"
	pulumi config set domain "$domain"
fi
failed=""
for p in "${phases[@]}"; do
	if [ -n "$failed" ]; then
		echo "- phase $p: not run, phase $failed did not come up" >> "$out"
		continue
	fi
	pulumi config set phase "$p"
	log="$logs/phase-$p.log"
	start=$SECONDS
	if pulumi up --yes --skip-preview > "$log" 2>&1; then
		took=$((SECONDS - start))
		if pulumi preview --expect-no-changes >> "$log" 2>&1; then
			echo "- phase $p: up in ${took}s; the preview after it changes nothing" >> "$out"
		else
			echo "- phase $p: up in ${took}s, but the preview after it would change something" >> "$out"
			status=1
		fi
	else
		# The engine's first error line says what LocalStack refused.
		why=$(grep -m 1 -E 'error:' "$log" | sed -E 's/^[[:space:]]+//' | cut -c 1-300 || true)
		echo "- phase $p: failed: ${why:-see the job log}" >> "$out"
		failed=$p
		status=1
	fi
	echo "::group::pulumi, phase $p"
	cat "$log"
	echo "::endgroup::"
done
cat "$skipped" >> "$out"
{
	echo
	echo "No smoke test through the front door here: this run checks that LocalStack takes each phase's resources; the app itself runs on the docker target above."
} >> "$out"
exit "$status"
