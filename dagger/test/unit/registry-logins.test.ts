/** Registry logins per host (core/registry/logins.ts) and which one a host gets (adapters/registry/credentials.ts). */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveCredentials } from "../../src/adapters/registry/credentials.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";
import {
  checkHostLogins,
  configRegistryHosts,
  hostLoginFromEnv,
  loginEnvironment,
  loginVariableClash,
  loginVariables,
  registryHost,
} from "../../src/core/registry/logins.js";

describe("registryHost", () => {
  it.each([
    ["ghcr.io/acme", "ghcr.io"],
    ["oci://ghcr.io/acme/charts", "ghcr.io"],
    ["registry.acme.dev:5000/team/app:1.2.3", "registry.acme.dev:5000"],
    ["Quay.IO/acme", "quay.io"],
    ["localhost:5001", "localhost:5001"],
    ["docker.io/acme/app@sha256:abc", "docker.io"],
  ])("%s is on %s", (registry, host) => {
    expect(registryHost(registry)).toBe(host);
  });
});

describe("loginVariables", () => {
  it.each([
    ["quay.io", "REGISTRY_QUAY_IO"],
    ["registry.acme.dev:5000", "REGISTRY_REGISTRY_ACME_DEV_5000"],
    ["my-registry.example.com", "REGISTRY_MY_REGISTRY_EXAMPLE_COM"],
    ["123456789012.dkr.ecr.eu-west-1.amazonaws.com", "REGISTRY_123456789012_DKR_ECR_EU_WEST_1_AMAZONAWS_COM"],
    ["[::1]:5000", "REGISTRY_1_5000"],
  ])("%s logs in with %s_USERNAME and _PASSWORD", (host, prefix) => {
    expect(loginVariables(host)).toEqual({ username: `${prefix}_USERNAME`, password: `${prefix}_PASSWORD` });
  });
});

describe("configRegistryHosts", () => {
  it.each([
    [
      "one registry for images and the chart",
      { image: { registry: "ghcr.io/acme" }, chart: { registry: "oci://ghcr.io/acme/charts" } },
      ["ghcr.io"],
    ],
    [
      "mirrors, a release registry and a chart elsewhere, in order, once each",
      {
        image: {
          registry: "ghcr.io/acme",
          registries: ["ghcr.io/acme", "quay.io/acme", "docker.io/acme"],
          releaseRegistry: "registry.acme.dev:5000/releases",
        },
        chart: { registry: "oci://quay.io/acme/charts" },
      },
      ["ghcr.io", "quay.io", "docker.io", "registry.acme.dev:5000"],
    ],
    [
      "the local loop's registry needs no login",
      {
        image: { registry: "localhost:5001", releaseRegistry: "" },
        chart: { registry: "oci://localhost:5001/charts" },
      },
      [],
    ],
  ])("%s", (_, config, hosts) => {
    expect(configRegistryHosts(config)).toEqual(hosts);
  });
});

describe("checkHostLogins", () => {
  it.each([
    ["one of each per host", ["quay.io", "Docker.io"], 2, 2, ["quay.io", "docker.io"]],
    ["no host, no login", [], 0, 0, []],
  ])("takes %s", (_, hosts, users, passwords, want) => {
    expect(checkHostLogins("publish", hosts, users, passwords)).toEqual(want);
  });

  it.each([
    [
      "a missing password",
      ["quay.io"],
      1,
      0,
      /names 1 host\(s\) but --registry-usernames gives 1 and --registry-passwords 0/,
    ],
    ["a username too many", ["quay.io"], 2, 1, /give one of each per host, in the same order/],
    ["a scheme", ["https://quay.io"], 1, 1, /"https:\/\/quay\.io" is not a registry host\[:port\]/],
    ["a path", ["quay.io/acme"], 1, 1, /is not a registry host\[:port\] \(no scheme, path or user info/],
    ["a host twice", ["quay.io", "QUAY.io"], 2, 2, /quay\.io is named twice/],
    [
      "two hosts whose login variables are the same",
      ["a-b.io", "a.b.io"],
      2,
      2,
      /a-b\.io and a\.b\.io would share the login variables REGISTRY_A_B_IO_USERNAME and REGISTRY_A_B_IO_PASSWORD/,
    ],
  ])("refuses %s, naming it", (_, hosts, users, passwords, message) => {
    expect(() => checkHostLogins("publish", hosts, users, passwords)).toThrow(UsageError);
    expect(() => checkHostLogins("publish", hosts, users, passwords)).toThrow(message);
  });
});

describe("loginVariableClash", () => {
  it.each([
    [[], null],
    [["ghcr.io", "quay.io", "registry.acme.dev:5000"], null],
    [["quay.io", "quay.io"], null],
    [["a-b.io", "a.b.io"], "a-b.io and a.b.io"],
    [["reg.io:5000", "reg.io.5000"], "reg.io:5000 and reg.io.5000"],
    [["x.io", "a_b.io", "a-b.io"], "a_b.io and a-b.io"],
  ])("%j: %s", (hosts, pair) => {
    const clash = loginVariableClash(hosts);
    if (pair === null) expect(clash).toBeNull();
    else expect(clash).toMatch(new RegExp(`^${pair.replace(/[.]/g, "\\.")} would share`));
  });

  it("refuses such registries in pipeline.yaml, naming the keys and both hosts", () => {
    const config = {
      app: "shop",
      image: { registry: "a-b.io/acme", registries: ["a-b.io/acme", "a.b.io/acme"] },
    };
    expect(() => resolveConfig(config, "pipeline.yaml", ["api"])).toThrow(
      /image\.registry, image\.registries, image\.releaseRegistry, chart\.registry: a-b\.io and a\.b\.io would share/,
    );
    expect(() =>
      resolveConfig(
        { app: "shop", image: { registry: "a-b.io/acme" }, chart: { registry: "oci://quay.io/c" } },
        "pipeline.yaml",
        ["api"],
      ),
    ).not.toThrow();
  });
});

describe("loginEnvironment", () => {
  const logins = {
    any: { username: "octocat", password: "S-any" },
    hosts: [{ host: "quay.io", username: "acme+robot", password: "S-quay" }],
  };

  it("gives a container every login: the one for every host and each host's own", () => {
    expect(loginEnvironment(logins)).toEqual({
      plain: { REGISTRY_USERNAME: "octocat", REGISTRY_QUAY_IO_USERNAME: "acme+robot" },
      secret: { REGISTRY_PASSWORD: "S-any", REGISTRY_QUAY_IO_PASSWORD: "S-quay" },
      cosign: [],
    });
  });

  it.each([
    ["a host's own login wins there", ["quay.io/acme/app@sha256:1"], ["quay.io=REGISTRY_QUAY_IO"]],
    [
      "other hosts use the login for every host",
      ["ghcr.io/acme/app", "ghcr.io/acme/chart"],
      ["ghcr.io=REGISTRY"],
    ],
    [
      "both, once per host",
      ["ghcr.io/a", "quay.io/b", "ghcr.io/c"],
      ["ghcr.io=REGISTRY", "quay.io=REGISTRY_QUAY_IO"],
    ],
  ])("logs cosign in per host: %s", (_, hosts, cosign) => {
    expect(loginEnvironment(logins, hosts).cosign).toEqual(cosign);
  });

  it("skips a host without any login, and hands on only the logins the hosts use", () => {
    const own = { hosts: logins.hosts };
    expect(loginEnvironment(own, ["ghcr.io/acme/app", "quay.io/acme/app"])).toEqual({
      plain: { REGISTRY_QUAY_IO_USERNAME: "acme+robot" },
      secret: { REGISTRY_QUAY_IO_PASSWORD: "S-quay" },
      cosign: ["quay.io=REGISTRY_QUAY_IO"],
    });
  });
});

describe("resolveCredentials: the most specific login wins", () => {
  const noDocker = mkdtempSync(join(tmpdir(), "pipeline-docker-"));
  const docker = mkdtempSync(join(tmpdir(), "pipeline-docker-"));
  writeFileSync(
    join(docker, "config.json"),
    JSON.stringify({ auths: { "quay.io": { auth: Buffer.from("docker:from-config").toString("base64") } } }),
  );
  const env = {
    REGISTRY_USERNAME: "env-any",
    REGISTRY_PASSWORD: "env-any-pw",
    REGISTRY_QUAY_IO_USERNAME: "env-quay",
    REGISTRY_QUAY_IO_PASSWORD: "env-quay-pw",
  };
  const explicit = { username: "flag", password: "flag-pw" };
  const given = { "quay.io": { username: "given-quay", password: "given-quay-pw" } };

  it.each([
    ["a login given for the host", "quay.io", explicit, env, given, "given-quay"],
    ["the host's own variables, over flags", "quay.io", explicit, env, {}, "env-quay"],
    ["flags for another host", "ghcr.io", explicit, env, given, "flag"],
    ["REGISTRY_USERNAME without flags", "ghcr.io", {}, env, given, "env-any"],
    [
      "only half a host's own variables: the next rule",
      "quay.io",
      {},
      { REGISTRY_QUAY_IO_USERNAME: "x" },
      {},
      undefined,
    ],
  ])("%s", (_, host, flags, environment, hosts, username) => {
    const prior = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = noDocker;
    try {
      expect(resolveCredentials(host, flags, environment, hosts)?.username).toBe(username);
    } finally {
      if (prior === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = prior;
    }
  });

  it("falls back to the Docker config for the host", () => {
    const prior = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = docker;
    try {
      expect(resolveCredentials("quay.io", {}, {}, {})).toEqual({
        username: "docker",
        password: "from-config",
      });
      expect(hostLoginFromEnv("quay.io", env)).toEqual({ username: "env-quay", password: "env-quay-pw" });
    } finally {
      if (prior === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = prior;
    }
  });
});
