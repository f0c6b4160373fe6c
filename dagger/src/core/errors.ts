/**
 * Typed errors shared by every shell. Only the CLI entry point prints them and maps them to exit
 * codes; the Dagger module lets them surface as function errors. The message is the whole story:
 * what failed, where, and what to do.
 */

/** Exit codes every command uses (DESIGN.md): 0 ok, 1 failure, 2 bad input or config, 3 missing tool. */
export const ExitCode = { ok: 0, failure: 1, usage: 2, missingTool: 3 } as const;

/** Base class: an error whose message is safe and complete enough to show a user as one line. */
export class PipelineError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: number;

  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad input: a flag, an argument or pipeline.yaml is wrong. Exit code 2. */
export class UsageError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.usage, options);
  }
}

/** Something the pipeline tried did not work (a registry, git, a check that failed). Exit code 1. */
export class FailureError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.failure, options);
  }
}

/** A tool the command needs is not installed. Exit code 3. */
export class MissingToolError extends PipelineError {
  /** The tools that are missing, each with how to install it. */
  readonly missing: readonly { tool: string; install: string }[];

  constructor(
    message: string,
    missing: readonly { tool: string; install: string }[] = [],
    options?: ErrorOptions,
  ) {
    super(message, ExitCode.missingTool, options);
    this.missing = missing;
  }
}
