/**
 * An in-toto v1 statement with a SLSA v1 provenance predicate: what was built (the image or chart
 * digests), from which source (repository and commit), by which builder and run, from which
 * materials (the commit, the base image, the Go toolchain). And the check `verify` makes of one:
 * it names this repository and the tag's commit. Pure: data in, data out.
 */

import { UsageError } from "../errors.js";
import { hasControlChars, safeEcho } from "../validate.js";

/** The in-toto statement type. */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** The statement type `cosign attest` wraps a predicate in (keyless provenance carries it). */
export const STATEMENT_TYPE_V01 = "https://in-toto.io/Statement/v0.1";
/** The SLSA v1 provenance predicate type. */
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
/** The build type in GitHub Actions (the one GitHub's own attestations use). */
export const GITHUB_BUILD_TYPE = "https://actions.github.io/buildtypes/workflow/v1";
/** The build type of a run outside GitHub Actions (a laptop, another CI). */
export const PIPELINE_BUILD_TYPE = "urn:pipeline:buildtypes:release:v1";

/** A resource descriptor (subject or material). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
}

/** What a provenance statement records. */
export interface ProvenanceInput {
  /** The artifacts built: `registry/repository` and digest. */
  subjects: readonly { name: string; digest: string }[];
  /** The source repository URL (pipeline.yaml `source.url`). */
  sourceUrl: string;
  /** The full commit sha built. */
  commit: string;
  /** The git ref built, e.g. `refs/tags/v1.2.3`. */
  ref: string;
  /** Builder id: the workflow file at its ref in CI, else a local builder id. */
  builderId: string;
  /** The CI run, when there is one. */
  run?: { url: string; id: string; workflowPath?: string; repository?: string; event?: string };
  /** Extra materials: the base image, the Go toolchain. */
  materials?: readonly { uri: string; digest?: string }[];
  startedOn?: string;
  finishedOn?: string;
}

/** A `sha256:<hex>` digest as a digest set. */
function digestSet(digest: string): Record<string, string> {
  const [algorithm, hex] = digest.split(":");
  return { [algorithm!]: hex! };
}

/** `git+https://host/owner/name@refs/...`: how SLSA names a git source. */
export function gitUri(sourceUrl: string, ref?: string): string {
  const base = sourceUrl.replace(/\/+$/, "").replace(/\.git$/, "");
  return `git+${base}${ref ? `@${ref}` : ""}`;
}

/** The builder id and run details from the GitHub Actions environment, or undefined outside it. */
export function githubRun(
  env: Readonly<Record<string, string | undefined>>,
): { builderId: string; run: NonNullable<ProvenanceInput["run"]> } | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: id } = env;
  if (!server || !repository || !id) return undefined;
  const workflowRef = env.GITHUB_WORKFLOW_REF; // owner/name/.github/workflows/x.yaml@refs/...
  const workflowPath = workflowRef?.replace(`${repository}/`, "").split("@")[0];
  return {
    builderId: workflowRef ? `${server}/${workflowRef}` : `${server}/${repository}/actions`,
    run: {
      url: `${server}/${repository}/actions/runs/${id}/attempts/${env.GITHUB_RUN_ATTEMPT ?? "1"}`,
      id,
      workflowPath,
      repository: `${server}/${repository}`,
      event: env.GITHUB_EVENT_NAME,
    },
  };
}

const RUN_URL_EXAMPLE = "https://github.com/acme/shop/actions/runs/42/attempts/1";
const WORKFLOW_REF_EXAMPLE = "acme/shop/.github/workflows/release.yaml@refs/tags/v1.2.3";
/** `<server>/<owner>/<name>/actions/runs/<id>[/attempts/<n>]`: how GitHub links one run. */
const RUN_URL =
  /^(https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?)\/([\w.-]+\/[\w.-]+)\/actions\/runs\/(\d{1,20})(?:\/attempts\/(\d{1,5}))?\/?$/;
/** `<owner>/<name>/<path of the workflow file>@<ref>`: GitHub's `github.workflow_ref`. */
const WORKFLOW_REF = /^([\w.-]+\/[\w.-]+)\/(\.github\/workflows\/[^@\s]+)@(refs\/[\x21-\x7e]+)$/;

/**
 * The GitHub Actions variables {@link githubRun} reads, from what a workflow hands the Dagger
 * module as plain arguments (`dagger call` passes no host environment into the module): the run's
 * URL (server, repository, run id and attempt) and `github.workflow_ref`. Undefined without
 * either, so a run outside GitHub Actions records the local builder as before. Refuses a URL that
 * is not a run's, a workflow ref without a run URL, and a workflow ref of another repository.
 */
export function githubRunEnv(o: {
  workflowRef?: string;
  runUrl?: string;
}): Record<string, string> | undefined {
  const { workflowRef, runUrl } = o;
  if (!workflowRef && !runUrl) return undefined;
  if (!runUrl)
    throw new UsageError(
      `--workflow-ref needs --run-url, the run it names (example: --run-url ${RUN_URL_EXAMPLE})`,
    );
  const run = runUrl.length <= 500 && !hasControlChars(runUrl) ? RUN_URL.exec(runUrl) : null;
  if (!run)
    throw new UsageError(
      `--run-url ${safeEcho(runUrl)} is not a GitHub Actions run URL (example: --run-url ${RUN_URL_EXAMPLE})`,
    );
  const repository = run[2]!;
  const env: Record<string, string> = {
    GITHUB_SERVER_URL: run[1]!,
    GITHUB_REPOSITORY: repository,
    GITHUB_RUN_ID: run[3]!,
    GITHUB_RUN_ATTEMPT: run[4] ?? "1",
  };
  if (!workflowRef) return env;
  const ref = workflowRef.length <= 500 ? WORKFLOW_REF.exec(workflowRef) : null;
  if (!ref)
    throw new UsageError(
      `--workflow-ref ${safeEcho(workflowRef)} is not a workflow ref (example: --workflow-ref ${WORKFLOW_REF_EXAMPLE}, GitHub's github.workflow_ref)`,
    );
  // Both come from one run's context, spelled alike; githubRun() cuts the repository off the ref.
  if (ref[1] !== repository)
    throw new UsageError(
      `--workflow-ref names the repository ${safeEcho(ref[1])}, --run-url ${safeEcho(repository)}: pass both from the same run (example: --workflow-ref ${WORKFLOW_REF_EXAMPLE} --run-url ${RUN_URL_EXAMPLE})`,
    );
  return { ...env, GITHUB_WORKFLOW_REF: workflowRef };
}

/**
 * What a release's provenance records besides its subjects, built the same way for the key-based
 * (`pipeline attest`) and the keyless (`cosign attest`) paths: the source at the commit and ref,
 * the builder and run from a GitHub Actions environment (else a local builder), the base image as
 * a material.
 */
export function releaseProvenance(o: {
  sourceUrl: string;
  commit: string;
  ref: string;
  base?: string;
  env: Readonly<Record<string, string | undefined>>;
}): Omit<ProvenanceInput, "subjects"> {
  const github = githubRun(o.env);
  return {
    sourceUrl: o.sourceUrl,
    commit: o.commit,
    ref: o.ref,
    builderId: github?.builderId ?? "urn:pipeline:builder:local",
    ...(github ? { run: github.run } : {}),
    materials: o.base ? [{ uri: `pkg:docker/${o.base}` }] : [],
  };
}

/** Builds the in-toto statement. */
export function provenanceStatement(input: ProvenanceInput): Record<string, unknown> {
  const source = gitUri(input.sourceUrl, input.ref);
  const github = input.run?.workflowPath !== undefined;
  return {
    _type: STATEMENT_TYPE,
    subject: input.subjects.map((s) => ({ name: s.name, digest: digestSet(s.digest) })),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: github ? GITHUB_BUILD_TYPE : PIPELINE_BUILD_TYPE,
        externalParameters: github
          ? {
              workflow: { ref: input.ref, repository: input.run!.repository, path: input.run!.workflowPath },
            }
          : { source: { uri: source, digest: { gitCommit: input.commit } } },
        internalParameters: input.run?.event ? { github: { event_name: input.run.event } } : {},
        resolvedDependencies: [
          { uri: source, digest: { gitCommit: input.commit } },
          ...(input.materials ?? []).map((m) => ({
            uri: m.uri,
            ...(m.digest ? { digest: digestSet(m.digest) } : { digest: {} }),
          })),
        ],
      },
      runDetails: {
        builder: { id: input.builderId },
        metadata: {
          ...(input.run ? { invocationId: input.run.url } : {}),
          ...(input.startedOn ? { startedOn: input.startedOn } : {}),
          ...(input.finishedOn ? { finishedOn: input.finishedOn } : {}),
        },
      },
    },
  };
}

/**
 * Why a statement does not prove `digest` was built from `sourceUrl` at `commit`, or null when it
 * does: it must be SLSA v1 provenance, name the digest as a subject, and list the repository with
 * that commit among its resolved dependencies.
 */
export function provenanceProblem(
  statement: unknown,
  expected: { digest: string; sourceUrl: string; commit: string },
): string | null {
  const s = statement as {
    _type?: unknown;
    predicateType?: unknown;
    subject?: { digest?: Record<string, unknown> }[];
    predicate?: {
      buildDefinition?: { resolvedDependencies?: { uri?: unknown; digest?: Record<string, unknown> }[] };
    };
  };
  if (
    (s?._type !== STATEMENT_TYPE && s?._type !== STATEMENT_TYPE_V01) ||
    s.predicateType !== SLSA_PROVENANCE_V1
  )
    return "the attestation is not SLSA v1 provenance";
  const [algorithm, hex] = expected.digest.split(":");
  if (!Array.isArray(s.subject) || !s.subject.some((x) => x?.digest?.[algorithm!] === hex))
    return `the provenance does not name ${expected.digest} as its subject`;
  const deps = s.predicate?.buildDefinition?.resolvedDependencies;
  const repo = gitUri(expected.sourceUrl);
  const fromRepo = Array.isArray(deps)
    ? deps.filter((d) => typeof d?.uri === "string" && (d.uri === repo || d.uri.startsWith(`${repo}@`)))
    : [];
  if (fromRepo.length === 0) return `the provenance does not name the source ${expected.sourceUrl}`;
  if (!fromRepo.some((d) => d.digest?.gitCommit === expected.commit))
    return `the provenance names commit ${String(fromRepo[0]!.digest?.gitCommit ?? "none").slice(0, 40)}, not the tag's commit ${expected.commit}`;
  return null;
}
