/**
 * An in-toto v1 statement with a SLSA v1 provenance predicate: what was built (the image or chart
 * digests), from which source (repository and commit), by which builder and run, from which
 * materials (the commit, the base image, the Go toolchain). And the check `verify` makes of one:
 * it names this repository and the tag's commit. Pure: data in, data out.
 */

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
