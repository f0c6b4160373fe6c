import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";
import { previewApplicationYaml, scaffold } from "../../src/core/gitops/layout.js";
import { previewHost } from "../../src/core/gitops/preview.js";
import { imageValueChanges, planPromotion } from "../../src/core/gitops/promotion.js";

const digest = `sha256:${"a".repeat(64)}`;
const sample = resolveConfig({ app: "shop", image: { registry: "r.io/acme" } }, "pipeline.yaml", [
  "api",
  "worker",
]);
const oneImage = resolveConfig(
  {
    app: "web",
    image: { registry: "r.io/acme" },
    images: { web: { binaries: { server: "/app/server", ctl: "/usr/local/bin/ctl" }, values: "image" } },
    preview: { host: "pr-{pr}.preview.example.com", hostKey: "ingress.hosts[0].host" },
  },
  "pipeline.yaml",
  ["ctl", "server"],
);

describe("the values keys each image names", () => {
  it.each([
    [
      "one image per binary: images.<binary>",
      sample,
      {},
      [
        { key: "images.api.tag", value: "1.2.3" },
        { key: "images.worker.tag", value: "1.2.3" },
      ],
    ],
    [
      "digests by binary for an image of one binary",
      sample,
      { api: digest },
      [
        { key: "images.api.tag", value: "1.2.3" },
        { key: "images.api.digest", value: digest },
        { key: "images.worker.tag", value: "1.2.3" },
      ],
    ],
    [
      "one image with two binaries under `image`, digest by image name",
      oneImage,
      { web: digest },
      [
        { key: "image.tag", value: "1.2.3" },
        { key: "image.digest", value: digest },
      ],
    ],
    [
      "a digest named after one of its two binaries pins nothing",
      oneImage,
      { server: digest },
      [{ key: "image.tag", value: "1.2.3" }],
    ],
  ])("%s", (_, config, digests, changes) => {
    expect(imageValueChanges(config, "1.2.3", digests)).toEqual(changes);
    const plan = planPromotion(config, {
      environment: "staging",
      imageTag: "1.2.3",
      chartVersion: "1.2.3",
      sourceSha: "abc1234",
      digests,
    });
    expect(plan.files[0]!.changes).toEqual(changes);
  });

  it("scaffolds each environment's values under the image's key, and preview values without the sample's replicas", () => {
    const files = scaffold(oneImage);
    expect(parse(files["environments/staging/values.yaml"]!)).toEqual({
      image: { repository: "r.io/acme/web", tag: "" },
    });
    const preview = files["environments/preview.yaml"]!;
    expect(parse(preview)).toEqual({ image: { repository: "r.io/acme/web" } });
    expect(preview).not.toMatch(/replicas|api|worker/);
    expect(parse(scaffold(sample)["environments/preview.yaml"]!)).toEqual({
      images: { api: { repository: "r.io/acme/shop-api" }, worker: { repository: "r.io/acme/shop-worker" } },
    });
  });

  it("gives a preview's Application the image tag under each key and the host from preview.host", () => {
    const app = parse(
      previewApplicationYaml(oneImage, {
        pr: 42,
        imageTag: "pr-42-abc1234",
        chartVersion: "0.0.0-pr-42-abc1234",
        createdAt: "2026-01-01T00:00:00Z",
      }),
    );
    expect(app.spec.sources[0].helm.parameters).toEqual([
      { name: "image.tag", value: "pr-42-abc1234" },
      { name: "ingress.hosts[0].host", value: "pr-42.preview.example.com" },
    ]);
    const plain = parse(
      previewApplicationYaml(sample, {
        pr: 7,
        imageTag: "t",
        chartVersion: "0.0.0-pr-7-abc1234",
        createdAt: "2026-01-01T00:00:00Z",
      }),
    );
    expect(plain.spec.sources[0].helm.parameters.map((p: { name: string }) => p.name)).toEqual([
      "images.api.tag",
      "images.worker.tag",
    ]);
  });

  it.each([
    ["pr-{pr}.preview.example.com", 42, "pr-42.preview.example.com"],
    ["", 42, null],
  ])("fills preview.host %j for #%d", (template, pr, host) => {
    expect(previewHost(template, pr)).toBe(host);
  });

  it("refuses a preview.host that gives no host name, naming the key", () => {
    expect(() =>
      resolveConfig({ app: "a", preview: { host: "PR_{pr}.example.com" } }, "pipeline.yaml", ["api"]),
    ).toThrow(/preview\.host: .* does not give a host name/);
    expect(() =>
      resolveConfig({ app: "a", preview: { host: "PR_{pr}.example.com" } }, "pipeline.yaml", ["api"]),
    ).toThrow(UsageError);
  });
});
