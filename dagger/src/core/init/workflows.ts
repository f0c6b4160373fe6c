/**
 * The GitHub workflows `pipeline init` writes for another repository: the same jobs as this
 * repository's own, each a `dagger call -m <module> --source . <function>` through the pinned
 * dagger action. Pure: text out.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the workflows hold GitHub expressions, ${{ ... }}
import { githubLogins } from "./registry-logins.js";

/** The checkout and dagger actions the generated workflows pin (the same as this repository's). */
const CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2";
const DAGGER_ACTION = "dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77 # v8.4.1";
const DAGGER_VERSION = "0.21.9";

/** The `dagger call` step of a workflow, through the pinned action, on this repository's source. */
function daggerStep(
  module: string,
  args: string,
  extra: { id?: string; env?: Record<string, string> } = {},
): string {
  return [
    `      - ${extra.id ? `id: ${extra.id}\n        ` : ""}uses: ${DAGGER_ACTION}`,
    ...(extra.env
      ? ["        env:", ...Object.entries(extra.env).map(([k, v]) => `          ${k}: ${v}`)]
      : []),
    "        with:",
    `          version: "${DAGGER_VERSION}"`,
    `          module: ${module}`,
    "          verb: call",
    `          args: --source . ${args}`,
  ].join("\n");
}

const CHECKOUT_STEPS = [
  "    steps:",
  `      - uses: ${CHECKOUT}`,
  "        with:",
  "          persist-credentials: false",
  "          fetch-depth: 0",
].join("\n");

const GITOPS_TOKEN = { GITOPS_TOKEN: "${{ secrets.GITOPS_TOKEN }}" };
/**
 * The workflow and the run, for the provenance's builder and run: `dagger call` hands the module
 * none of the runner's environment, so they travel as (non-secret) arguments.
 */
const RUN_FLAGS =
  "--workflow-ref ${{ github.workflow_ref }} --run-url ${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}/attempts/${{ github.run_attempt }}";

/**
 * The step that picks how a release is signed, as this repository's release workflow does: with
 * the COSIGN_PRIVATE_KEY secret when the repository has one, else keylessly (cosign trades the
 * job's OIDC token, `id-token: write`, for a Fulcio certificate naming the workflow). Either way
 * the key or the token request reaches the module only as a secret (`env:`), never argv text.
 */
const SIGNING_STEP = [
  "      - name: Sign with the repository's key, or keylessly",
  "        id: signing",
  "        env:",
  "          COSIGN_PRIVATE_KEY: ${{ secrets.COSIGN_PRIVATE_KEY }}",
  "        run: |",
  '          if [ -n "$COSIGN_PRIVATE_KEY" ]; then',
  '            echo "flags=--signing-key env:COSIGN_PRIVATE_KEY" >> "$GITHUB_OUTPUT"',
  "          else",
  '            echo "no COSIGN_PRIVATE_KEY secret: signing keylessly (verify with pipeline verify --keyless)"',
  '            echo "flags=--actions-id-token-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --actions-id-token-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN" >> "$GITHUB_OUTPUT"',
  "          fi",
].join("\n");

/**
 * The workflows `pipeline init` writes: pushes to `branch` and release tags run `release` (which
 * signs what the plan's sign stage covers, with the key or keylessly), pull requests run it with
 * `--pr`, production is promoted by hand; every step calls `module` with `--source .`. Each step
 * that reaches a registry logs in to every host of `registryHosts` (core/registry/logins.ts
 * configRegistryHosts) as {@link githubLogins} says: ghcr.io with GITHUB_TOKEN, others with
 * their own secrets.
 */
export function initWorkflows(
  module: string,
  branch: string,
  registryHosts: readonly string[] = [],
): { path: string; text: string }[] {
  const logins = githubLogins(registryHosts);
  const CREDENTIALS = `${logins.args} --token env:GITOPS_TOKEN`;
  const TOKENS = { ...logins.env, ...GITOPS_TOKEN };
  const packages = (access: "read" | "write") => (logins.packages ? [`      packages: ${access}`] : []);
  const header = (what: string) =>
    `# Written by \`pipeline init\`: ${what}. Each step calls the pipeline module on this repository.\n`;
  const release = [
    header("pushes to the default branch and release tags run the plan's stages"),
    "name: pipeline",
    "",
    "on:",
    "  push:",
    `    branches: [${JSON.stringify(branch)}]`,
    '    tags: ["v[0-9]*", "[0-9]*"]',
    "",
    "permissions:",
    "  contents: read",
    "",
    "concurrency:",
    "  group: pipeline-${{ github.ref }}",
    "  cancel-in-progress: false",
    "",
    "jobs:",
    "  release:",
    "    runs-on: ubuntu-24.04",
    "    permissions:",
    "      contents: read",
    ...packages("write"),
    "      # Keyless signing of release candidates and releases without COSIGN_PRIVATE_KEY.",
    "      id-token: write",
    CHECKOUT_STEPS,
    daggerStep(module, "plan --ref ${{ github.ref }}", { id: "plan" }),
    SIGNING_STEP,
    daggerStep(
      module,
      `release --ref \${{ github.ref }} ${CREDENTIALS} \${{ steps.signing.outputs.flags }} ${RUN_FLAGS}`,
      {
        env: { ...TOKENS, COSIGN_PRIVATE_KEY: "${{ secrets.COSIGN_PRIVATE_KEY }}" },
      },
    ),
    "",
  ].join("\n");
  const pr = [
    header("pull requests are checked, published under pr-<n> tags and previewed"),
    "name: pull request",
    "",
    "on:",
    "  pull_request:",
    "",
    "permissions:",
    "  contents: read",
    "",
    "concurrency:",
    "  group: pr-${{ github.event.pull_request.number }}",
    "  cancel-in-progress: true",
    "",
    "jobs:",
    "  release:",
    "    runs-on: ubuntu-24.04",
    "    permissions:",
    "      contents: read",
    ...packages("write"),
    CHECKOUT_STEPS,
    daggerStep(
      module,
      `release --ref \${{ github.ref }} --sha \${{ github.event.pull_request.head.sha }} --pr \${{ github.event.pull_request.number }} ${CREDENTIALS}`,
      { env: TOKENS },
    ),
    "",
  ].join("\n");
  const promote = [
    header("production is promoted by hand from a release tag, after the environment's approval"),
    "name: promote to production",
    "",
    "on:",
    "  workflow_dispatch:",
    "    inputs:",
    "      tag:",
    "        description: Release tag to promote (e.g. v1.2.3)",
    "        required: true",
    "        type: string",
    "",
    "permissions:",
    "  contents: read",
    "",
    "concurrency:",
    "  group: promote-prod",
    "  cancel-in-progress: false",
    "",
    "jobs:",
    "  promote:",
    "    runs-on: ubuntu-24.04",
    "    environment: production",
    "    permissions:",
    "      contents: read",
    ...packages("read"),
    CHECKOUT_STEPS,
    "          ref: refs/tags/${{ inputs.tag }}",
    daggerStep(module, "plan --ref refs/tags/${{ inputs.tag }} --event promotion --env prod", { id: "plan" }),
    "      - name: Read the release's tags from the plan",
    "        id: tags",
    "        env:",
    "          PLAN: ${{ steps.plan.outputs.output }}",
    "        run: |",
    "          {",
    '            echo "image-tag=$(jq -r .tags.image <<<"$PLAN")"',
    '            echo "chart-version=$(jq -r .chart.version <<<"$PLAN")"',
    '            echo "sha=$(jq -r .event.sha <<<"$PLAN")"',
    '          } >> "$GITHUB_OUTPUT"',
    daggerStep(
      module,
      `promote --environment prod --image-tag \${{ steps.tags.outputs.image-tag }} --chart-version \${{ steps.tags.outputs.chart-version }} --sha \${{ steps.tags.outputs.sha }} --token env:GITOPS_TOKEN ${logins.args}`,
      { env: TOKENS },
    ),
    "",
  ].join("\n");
  return [
    { path: ".github/workflows/pipeline.yaml", text: release },
    { path: ".github/workflows/pipeline-pr.yaml", text: pr },
    { path: ".github/workflows/pipeline-promote.yaml", text: promote },
  ];
}
