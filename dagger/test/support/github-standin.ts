/**
 * A local stand-in for GitHub's REST API (GitHub cannot be reached from our machines): it records
 * every request and answers the pull-request endpoints the pipeline uses.
 */
import { createServer } from "node:http";
import { freePort } from "./ports.js";

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string;
  body: Record<string, unknown> | null;
}

/** Starts the stand-in; `url` goes in GITHUB_API_URL. */
export async function startGithubStandin(): Promise<{
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}> {
  const port = await freePort();
  const requests: RecordedRequest[] = [];
  let next = 1;
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization ?? "",
        body,
      });
      const pulls = /^\/repos\/([^/]+)\/([^/]+)\/pulls/.exec(req.url ?? "");
      res.setHeader("content-type", "application/json");
      if (pulls && req.method === "POST") {
        const number = next++;
        res.writeHead(201).end(
          JSON.stringify({
            number,
            html_url: `https://github.example/${pulls[1]}/${pulls[2]}/pull/${number}`,
          }),
        );
      } else if (pulls && req.method === "GET") {
        res.writeHead(200).end("[]");
      } else {
        res.writeHead(404).end(JSON.stringify({ message: "Not Found" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
