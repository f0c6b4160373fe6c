import { describe, expect, it } from "vitest";
import { credentialScope } from "../../src/core/gitops/credential-scope.js";

describe("credentialScope: what git names when it asks for the token", () => {
  it.each([
    ["https://github.com/acme/gitops.git", { protocol: "https", host: "github.com" }],
    ["https://git.example.com:8443/acme/gitops.git", { protocol: "https", host: "git.example.com:8443" }],
    ["http://127.0.0.1:3000/gitops.git", { protocol: "http", host: "127.0.0.1:3000" }],
    ["HTTPS://GitHub.com/x.git", { protocol: "HTTPS", host: "GitHub.com" }],
    ["https://github.com?x=1", { protocol: "https", host: "github.com" }],
    ["https://github.com#frag", { protocol: "https", host: "github.com" }],
    ["https://user@github.com/x.git", { protocol: "https", host: "github.com" }],
    ["https://[::1]:8080/x.git", { protocol: "https", host: "[::1]:8080" }],
    ["https://git%2Eexample.com/x.git", { protocol: "https", host: "git.example.com" }],
  ])("%s", (url, scope) => {
    expect(credentialScope(url)).toEqual(scope);
  });

  it.each([
    ["an ssh URL", "ssh://git@github.com/acme/gitops.git"],
    ["an scp-like remote", "git@github.com:acme/gitops.git"],
    ["a file URL", "file:///srv/gitops.git"],
    ["a local path", "/srv/gitops.git"],
    ["an empty host", "https:///x.git"],
    ["a host with a newline", "https://evil%0Ahost=github.com/x.git"],
    ["a host that is not percent-decodable", "https://bad%E0%A4%A/x.git"],
  ])("no scope (so no token) for %s", (_name, url) => {
    expect(credentialScope(url)).toBeUndefined();
  });
});
