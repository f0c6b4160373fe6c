/**
 * The delivery keys of pipeline.yaml's schema table: the gitops repository, the environments
 * promotions target, preview environments and the branch rules that decide each run's stages.
 */
import { DNS_LABEL, hasControlChars, isAuthorName, isEmail, isGitBranchName } from "../validate.js";
import { expect, oneLine, optionalRelativePath, relativePath } from "./checks.js";
import type { Schema } from "./schema.js";
import { EVENT_KINDS, STAGES } from "./vocabulary.js";

const NAME = DNS_LABEL;

/**
 * gitops.repo: a clone URL or a local path, without credentials (they come from GITOPS_TOKEN via
 * askpass), without a leading `-` (git would read an option) and without git's `ext::`/`fd::`
 * transports, which run commands.
 */
function gitopsRepoProblem(value: string): string | null {
  if (value === "") return null;
  if (hasControlChars(value) || /\s/.test(value)) return "must not contain spaces or control characters";
  if (value.startsWith("-")) return "must not start with -";
  if (/^(ext|fd)::/i.test(value)) return "uses a git transport that runs commands; use https:// or ssh://";
  if (value.length > 1000) return "is longer than 1000 characters";
  return null;
}

/** preview.namespace: with `{pr}` filled in, a DNS label for any pull request number. */
function previewTemplateProblem(value: string): string | null {
  const longest = value.replaceAll("{pr}", "9007199254740991");
  return DNS_LABEL.test(value.replaceAll("{pr}", "1")) && longest.length <= 63
    ? null
    : "does not give a DNS label (lowercase letters, digits and -, at most 63 with a 16-digit number)";
}

/** preview.host: empty, or with `{pr}` filled in, a DNS name for any pull request number. */
function previewHostProblem(value: string): string | null {
  if (value === "") return null;
  const longest = value.replaceAll("{pr}", "9007199254740991");
  return longest.length <= 253 &&
    value
      .replaceAll("{pr}", "1")
      .split(".")
      .every((l) => DNS_LABEL.test(l))
    ? null
    : "does not give a host name (lowercase DNS labels joined by dots, e.g. pr-{pr}.preview.example.com)";
}

const stageSchema: Schema = { kind: "enum", doc: "A stage name.", values: STAGES };

const environmentSchema: Schema = {
  kind: "object",
  doc: "One environment.",
  fields: {
    namespace: {
      kind: "string",
      doc: "Kubernetes namespace (default: `<app>-<environment>`).",
      example: "sample-app-staging",
      pattern: NAME,
      patternHint: "a DNS label",
    },
    promotion: {
      kind: "enum",
      doc: "`auto`: CI promotes on its event; `manual`: only an explicit `pipeline promote`.",
      values: ["auto", "manual"],
      default: "auto",
    },
    verify: {
      kind: "boolean",
      doc: "Refuse to promote unless every image and the chart exist (`pipeline verify`).",
      example: "true",
      default: false,
    },
    pullRequest: {
      kind: "boolean",
      doc: "Open a pull request on the gitops repo instead of pushing.",
      example: "true",
      default: false,
    },
    pinDigest: {
      kind: "boolean",
      doc: "Pin images by digest in the environment's values.",
      example: "true",
      default: false,
    },
    from: {
      kind: "string",
      doc: "Promote only a version the gitops history shows in this environment first (e.g. prod from uat).",
      example: "uat",
      pattern: NAME,
      patternHint: "an environment name",
    },
  },
};

/** `environments:`: the environments promotion can target. */
export const ENVIRONMENTS_SCHEMA: Schema = {
  kind: "map",
  doc: "Environments promotion can target (preview is separate).",
  example: "{ staging: {}, prod: { promotion: manual, verify: true } }",
  values: environmentSchema,
  default: { staging: {}, uat: {}, prod: { promotion: "manual", verify: true } },
};

/** `preview:`: one environment per pull request. */
export const PREVIEW_SCHEMA: Schema = {
  kind: "object",
  doc: "Preview environments, one per pull request.",
  fields: {
    namespace: {
      kind: "string",
      doc: "Namespace template; `{pr}` is the pull request number.",
      example: "preview-{pr}",
      default: "preview-{pr}",
      pattern: /\{pr\}/,
      patternHint: "a template containing {pr}",
      check: previewTemplateProblem,
    },
    valuesFile: {
      kind: "string",
      doc: "Values shared by every preview, in the gitops repo (a relative path without `..`).",
      example: "environments/preview.yaml",
      default: "environments/preview.yaml",
      check: relativePath,
    },
    host: {
      kind: "string",
      doc: "Host template of a preview's URL; `{pr}` is the pull request number. Written into the preview's values (`hostKey`) and the plan, which the PR comment shows. Empty: no URL.",
      example: "pr-{pr}.preview.example.com",
      default: "",
      check: previewHostProblem,
    },
    hostKey: {
      kind: "string",
      doc: "Chart values key the preview host is written to (helm --set syntax, e.g. `ingress.hosts[0].host`).",
      example: "ingress.host",
      default: "ingress.host",
      pattern: /^[A-Za-z_][A-Za-z0-9_-]*(?:\[\d{1,3}\])?(?:\.[A-Za-z_][A-Za-z0-9_-]*(?:\[\d{1,3}\])?)*$/,
      patternHint: "a dotted values key",
    },
  },
};

/** `rules:`: ordered branch rules. */
export const RULES_SCHEMA: Schema = {
  kind: "array",
  doc: "Ordered branch rules; the first that matches decides the stages. Default: the rules in docs/config.md.",
  example: "[{ name: staging, branches: [staging], stages: [lint, test, build, manifests] }]",
  items: {
    kind: "object",
    doc: "One rule.",
    required: ["name", "stages"],
    fields: {
      name: {
        kind: "string",
        doc: "Rule name, shown in plans.",
        example: "main",
        check: oneLine(63),
      },
      events: {
        kind: "array",
        doc: "Event kinds it matches (empty: all).",
        example: "[branch]",
        items: { kind: "enum", doc: "An event kind.", values: EVENT_KINDS },
        default: [],
      },
      branches: {
        kind: "array",
        doc: "Branch globs it matches, for branch events.",
        example: "[main, release/*]",
        items: { kind: "string", doc: "A glob.", example: "feat/*", check: oneLine(255) },
        default: [],
      },
      stages: { kind: "array", doc: "Stages to run.", example: "[lint, test]", items: stageSchema },
      promote: {
        kind: "string",
        doc: "Environment the promote stage targets.",
        example: "staging",
        pattern: NAME,
        patternHint: "an environment name",
      },
    },
  },
};

/** `gitops:`: the repository promotions commit to. */
export const GITOPS_SCHEMA: Schema = {
  kind: "object",
  doc: "The gitops-config repository promotions commit to.",
  fields: {
    repo: {
      kind: "string",
      doc: "Clone URL or local path of the gitops repository; no credentials in the URL (the token comes from GITOPS_TOKEN).",
      example: "https://github.com/acme/gitops-config.git",
      default: "",
      check: gitopsRepoProblem,
    },
    branch: {
      kind: "string",
      doc: "Branch Argo CD syncs from.",
      example: "main",
      default: "main",
      check: expect(isGitBranchName, "a git branch name"),
    },
    path: {
      kind: "string",
      doc: "Folder of this app in the gitops repo, relative, without `..` (empty: the repo root; set it when apps share a repo).",
      example: "sample-app",
      default: "",
      pattern: /^$|^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
      patternHint: "a relative folder path",
      check: optionalRelativePath,
    },
    authorName: {
      kind: "string",
      doc: "Commit author name.",
      example: "release-bot",
      default: "pipeline-bot",
      check: expect(isAuthorName, "an author name (one line, no < or >, at most 100)"),
    },
    authorEmail: {
      kind: "string",
      doc: "Commit author email.",
      example: "release-bot@acme.dev",
      default: "pipeline-bot@users.noreply.github.com",
      check: expect(isEmail, "an email address on one line"),
    },
    validate: {
      kind: "enum",
      doc: "How promote, rollback and preview up check what they commit: `helm template` of the chart with the environment's values as edited (schema and required values included), refused with helm's error and nothing pushed. `auto`: the repository's chart when the checkout has it, else no check; `repo`: the repository's chart, refused without one; `registry`: the promoted chart version pulled from `chart.registry`; `off`: no check.",
      values: ["auto", "repo", "registry", "off"],
      default: "auto",
    },
  },
};
