/**
 * Opening promotion pull requests on GitHub with octokit. The API URL comes from GITHUB_API_URL
 * (GitHub Enterprise, or a local stand-in in tests); the token only from the environment or a
 * Dagger Secret, and requests follow redirects only within the API's origin (../token-fetch.ts).
 * Every request ends within the gitops timeout (PIPELINE_GIT_TIMEOUT): a GitHub
 * that never answers fails the promotion instead of hanging it.
 */
import { Octokit } from "@octokit/core";
import { FailureError, PipelineError, UsageError } from "../../core/errors.js";
import { safeEcho } from "../../core/validate.js";
import { fetchSameOrigin } from "../token-fetch.js";
import { gitTimeoutSeconds } from "./git.js";

/** A pull request to open (or find, when it is already open). */
export interface PullRequestInput {
  token: string;
  /** `owner/name`. */
  repository: string;
  head: string;
  base: string;
  title: string;
  body: string;
  apiUrl?: string;
}

/** True for `owner/name` as GitHub spells repositories. */
export function isRepositoryName(value: string): boolean {
  return /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(value) && !value.split("/").includes("..");
}

/** Opens the pull request, or returns the one already open for that branch. */
export async function openPullRequest(
  input: PullRequestInput,
): Promise<{ number: number; url: string; created: boolean }> {
  const [owner, repo] = input.repository.split("/");
  if (!owner || !repo || !isRepositoryName(input.repository))
    throw new UsageError(
      `${safeEcho(input.repository)} is not owner/name (set GITOPS_GITHUB_REPOSITORY, e.g. acme/gitops-config)`,
    );
  const timeoutS = gitTimeoutSeconds();
  const octokit = new Octokit({
    auth: input.token,
    baseUrl: input.apiUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com",
    // One deadline per request; an abort surfaces as a status-less error below. Redirects only
    // within the API's own origin: the token and the pull request never go to another host.
    request: { signal: AbortSignal.timeout(timeoutS * 1000), fetch: fetchSameOrigin },
  });
  try {
    const created = await octokit.request("POST /repos/{owner}/{repo}/pulls", {
      owner,
      repo,
      head: input.head,
      base: input.base,
      title: input.title,
      body: input.body,
    });
    return { number: created.data.number, url: created.data.html_url, created: true };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 422) {
      const open = await octokit.request("GET /repos/{owner}/{repo}/pulls", {
        owner,
        repo,
        head: `${owner}:${input.head}`,
        state: "open",
      });
      const existing = open.data[0];
      if (existing) return { number: existing.number, url: existing.html_url, created: false };
    }
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof PipelineError)
      throw new FailureError(`GitHub API: opening a pull request on ${input.repository}: ${cause.message}`, {
        cause: error,
      });
    // Octokit reports a timeout or a refused connection as status 500 without a response.
    if (status === undefined || (error as { response?: unknown }).response === undefined) {
      throw new FailureError(
        `GitHub API: opening a pull request on ${input.repository} could not reach GitHub or got no answer within ${timeoutS} s (check GITHUB_API_URL; raise PIPELINE_GIT_TIMEOUT if it is just slow)`,
        { cause: error },
      );
    }
    throw new FailureError(
      `GitHub API: opening a pull request on ${input.repository} from ${input.head} failed with HTTP ${status} (check the token's pull-requests: write permission)`,
      { cause: error },
    );
  }
}
