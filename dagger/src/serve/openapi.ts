/** The OpenAPI document of serve's API, served at /api/openapi.json. */
import { RUN_STATUSES } from "../core/serve/queue.js";

const json = (schema: object) => ({ content: { "application/json": { schema } } });
const id = { name: "id", in: "path", required: true, schema: { type: "integer" } };
const env = { name: "env", in: "path", required: true, schema: { type: "string" } };
const errors = {
  "401": { description: "no or unknown bearer token", ...json({ $ref: "#/components/schemas/Error" }) },
  "403": { description: "the token's role may not do this", ...json({ $ref: "#/components/schemas/Error" }) },
};
const queued = { description: "queued", ...json({ $ref: "#/components/schemas/Queued" }) };
/** What a malformed request to an environment's or the runs' POST gets, never a 500. */
const badInput = {
  "400": {
    description:
      "the body is not a JSON object, a field is invalid, or the path is not valid percent-encoding",
    ...json({ $ref: "#/components/schemas/Error" }),
  },
};
const unknownEnv = {
  "404": {
    description: "not an environment of the server's pipeline.yaml",
    ...json({ $ref: "#/components/schemas/Error" }),
  },
};
const hook = (name: string, auth: string) => ({
  post: {
    summary: `A ${name} webhook delivery (${auth}); 1 MiB at most.`,
    security: [],
    requestBody: json({ type: "object" }),
    responses: {
      "200": {
        description: "ignored: no rule matches, or a replayed delivery",
        ...json({ $ref: "#/components/schemas/Ignored" }),
      },
      "202": queued,
      "400": { description: "malformed JSON or no delivery id" },
      "401": { description: "bad or missing signature" },
      "413": { description: "body larger than 1 MiB" },
    },
  },
});

/** The document. */
export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "pipeline serve",
    version: "1",
    description:
      "Webhooks in, a durable run queue, deploys and rollbacks. Bearer tokens with roles viewer < deployer < admin.",
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    schemas: {
      Error: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
      Queued: { type: "object", properties: { id: { type: "integer" }, status: { const: "queued" } } },
      Ignored: { type: "object", properties: { ignored: { const: true }, reason: { type: "string" } } },
      Stage: {
        type: "object",
        properties: {
          idx: { type: "integer" },
          name: { type: "string" },
          status: { type: "string" },
          durationMs: { type: ["integer", "null"] },
          detail: { type: ["string", "null"] },
        },
      },
      Run: {
        type: "object",
        properties: {
          id: { type: "integer" },
          kind: { enum: ["build", "promote", "rollback", "cleanup"] },
          source: { type: "string" },
          ref: { type: ["string", "null"] },
          sha: { type: ["string", "null"] },
          pr: { type: ["integer", "null"] },
          env: { type: ["string", "null"] },
          version: { type: ["string", "null"] },
          status: { enum: [...RUN_STATUSES] },
          fork: {
            type: "boolean",
            description: "a pull request from a fork: publish, preview, promote wait for approval",
          },
          approvedBy: { type: ["string", "null"], description: "role and token fingerprint of the approver" },
          approvedAt: { type: ["integer", "null"], description: "ms since the epoch" },
          attempt: { type: "integer" },
          retryOf: { type: ["integer", "null"] },
          createdAt: { type: "integer", description: "ms since the epoch" },
          startedAt: { type: ["integer", "null"] },
          finishedAt: { type: ["integer", "null"] },
          stages: { type: "array", items: { $ref: "#/components/schemas/Stage" } },
        },
      },
      Deployment: {
        type: "object",
        properties: {
          id: { type: "integer" },
          runId: { type: ["integer", "null"] },
          env: { type: "string" },
          action: { enum: ["promote", "preview", "preview-down", "rollback"] },
          version: { type: ["string", "null"] },
          gitCommit: { type: ["string", "null"] },
          createdAt: { type: "integer" },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    "/hooks/github": hook("GitHub", "X-Hub-Signature-256, X-GitHub-Delivery"),
    "/hooks/gitlab": hook("GitLab", "X-Gitlab-Token, X-Gitlab-Event-UUID"),
    "/api/runs": {
      get: {
        summary: "Runs, newest first (viewer).",
        parameters: ["status", "kind", "ref", "env", "before", "limit"].map((name) => ({
          name,
          in: "query",
          schema: { type: name === "before" || name === "limit" ? "integer" : "string" },
        })),
        responses: {
          "200": {
            description: "a page; `next` is the `before` of the next page",
            ...json({
              type: "object",
              properties: {
                runs: { type: "array", items: { $ref: "#/components/schemas/Run" } },
                next: { type: ["integer", "null"] },
              },
            }),
          },
          ...errors,
        },
      },
      post: {
        summary: "A manual run for a ref (deployer); without sha, the ref's commit on --repo-url.",
        requestBody: json({
          type: "object",
          properties: { ref: { type: "string" }, sha: { type: "string" } },
          required: ["ref"],
        }),
        responses: {
          "202": queued,
          "200": { description: "no rule matches", ...json({ $ref: "#/components/schemas/Ignored" }) },
          ...badInput,
          ...errors,
        },
      },
    },
    "/api/runs/{id}": {
      get: {
        summary: "One run with its stages (viewer).",
        parameters: [id],
        responses: { "200": json({ $ref: "#/components/schemas/Run" }), ...errors },
      },
    },
    "/api/runs/{id}/logs": {
      get: {
        summary:
          "Its log lines; with Accept: text/event-stream, a stream that follows the run until an `end` event (viewer).",
        parameters: [id, { name: "after", in: "query", schema: { type: "integer" } }],
        responses: { "200": { description: "lines or an event stream" }, ...errors },
      },
    },
    "/api/runs/{id}/cancel": {
      post: {
        summary: "Cancel a queued or running run (deployer).",
        parameters: [id],
        responses: {
          "202": { description: "cancelling" },
          "409": { description: "already ended" },
          ...errors,
        },
      },
    },
    "/api/runs/{id}/approve": {
      post: {
        summary:
          "Approve a fork's pull request run: its publish, preview and promote stages run, and a run awaiting approval continues (deployer).",
        parameters: [id],
        responses: {
          "202": { description: "approved; who and when are in the run" },
          "409": { description: "not a fork's run, approved already, or ended" },
          ...errors,
        },
      },
    },
    "/api/environments": {
      get: {
        summary:
          "Each environment's current version and history, from the gitops log of one clone fetched at most once per --gitops-refresh (viewer).",
        responses: { "200": { description: "environments" }, ...errors },
      },
    },
    "/api/deployments": {
      get: {
        summary: "Deployments recorded from promote, preview and rollback (viewer).",
        parameters: [{ name: "env", in: "query", schema: { type: "string" } }],
        responses: {
          "200": json({
            type: "object",
            properties: {
              deployments: { type: "array", items: { $ref: "#/components/schemas/Deployment" } },
            },
          }),
          ...errors,
        },
      },
    },
    "/api/environments/{env}/rollback": {
      post: {
        summary:
          "Roll back to `to` or the previous version, queued behind the environment's other changes (deployer).",
        parameters: [env],
        requestBody: json({ type: "object", properties: { to: { type: "string" } } }),
        responses: { "202": queued, ...badInput, ...unknownEnv, ...errors },
      },
    },
    "/api/environments/{env}/promote": {
      post: {
        summary: "Promote a version, queued behind the environment's other changes (deployer).",
        parameters: [env],
        requestBody: json({
          type: "object",
          properties: { version: { type: "string" } },
          required: ["version"],
        }),
        responses: { "202": queued, ...badInput, ...unknownEnv, ...errors },
      },
    },
    "/api/whoami": {
      get: {
        summary: "The token's role (viewer).",
        responses: { "200": { description: "role" }, ...errors },
      },
    },
    "/healthz": {
      get: { summary: "The process answers.", security: [], responses: { "200": { description: "ok" } } },
    },
    "/readyz": {
      get: {
        summary: "The database answers.",
        security: [],
        responses: { "200": { description: "ready" }, "503": { description: "not ready" } },
      },
    },
    "/metrics": {
      get: {
        summary: "Prometheus metrics.",
        security: [],
        responses: { "200": { description: "text format 0.0.4" } },
      },
    },
  },
} as const;
