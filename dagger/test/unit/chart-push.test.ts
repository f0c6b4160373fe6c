import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  chartAnnotations,
  chartMetadata,
  chartTag,
  parseChartTarget,
} from "../../src/adapters/registry/chart-push.js";
import { UsageError } from "../../src/core/errors.js";

/** A one-file tar archive, written by hand (ustar header). */
function tarOf(name: string, body: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write("0000644\0", 100);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, "0")}\0`, 124);
  header.write("0", 156);
  header.write("        ", 148);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

const chart = (yaml: string) => gzipSync(tarOf("chart/Chart.yaml", yaml));
const laughs = `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nname: shop\nversion: 1.0.0\n`;

describe("chartMetadata refuses what must never reach a registry path or tag", () => {
  it.each([
    [
      "a name with ..",
      "name: ../sample-app-api\nversion: 1.0.0\n",
      /name "\.\.\/sample-app-api" is not a Helm chart name/,
    ],
    ["a name with a slash", "name: charts/x\nversion: 1.0.0\n", /is not a Helm chart name/],
    ["an uppercase name", "name: Shop\nversion: 1.0.0\n", /is not a Helm chart name/],
    ["a name with a newline", 'name: "shop\\nx"\nversion: 1.0.0\n', /name "shop\\nx"/],
    ["a name as a number", "name: 42\nversion: 1.0.0\n", /is not a Helm chart name/],
    ["version latest", "name: shop\nversion: latest\n", /version "latest" is not a semantic version/],
    ["version 1.0 (a YAML number)", "name: shop\nversion: 1.0\n", /version 1 is not a semantic version/],
    ["version with a v", "name: shop\nversion: v1.0.0\n", /is not a semantic version/],
    ["a billion laughs", laughs, /not valid YAML/],
    ["a list", "- name: shop\n", /not a mapping/],
    ["a duplicate key", "name: shop\nname: other\nversion: 1.0.0\n", /not valid YAML/],
  ])("refuses %s (exit 2, one line)", (_name, yaml, message) => {
    let error: unknown;
    try {
      chartMetadata(chart(yaml), "c.tgz");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("accepts semver with build metadata, whose tag has _ for +", () => {
    const meta = chartMetadata(chart("name: sample-app\nversion: 1.2.3-rc.1+build.7\n"));
    expect(chartTag(meta.version)).toBe("1.2.3-rc.1_build.7");
  });

  it("refuses a gzip bomb before unpacking it all", () => {
    const bomb = gzipSync(Buffer.alloc(101 * 1024 * 1024));
    expect(() => chartMetadata(bomb, "bomb.tgz")).toThrow(/larger than 100 MiB unpacked/);
  });

  it("leaves out annotations of the wrong type instead of crashing", () => {
    const meta = chartMetadata(
      chart("name: shop\nversion: 1.0.0\ndescription: 5\nsources: x\nmaintainers: {name: a}\nhome: [1]\n"),
    );
    expect(chartAnnotations(meta, "t")).toEqual({
      "org.opencontainers.image.title": "shop",
      "org.opencontainers.image.version": "1.0.0",
      "org.opencontainers.image.created": "t",
    });
  });
});

describe("parseChartTarget", () => {
  it.each([
    ["oci://ghcr.io/acme/charts", { host: "ghcr.io", path: "acme/charts" }],
    ["oci://127.0.0.1:5000/charts/", { host: "127.0.0.1:5000", path: "charts" }],
    ["oci://localhost:5001", { host: "localhost:5001", path: "" }],
  ])("%s", (target, expected) => {
    expect(parseChartTarget(target)).toEqual(expected);
  });

  it.each([
    ["oci://r.io/charts/../x", /path "charts\/\.\.\/x" is not a repository path/],
    ["oci://r.io/charts/./x", /is not a repository path/],
    ["https://r.io/charts", /is not an oci:\/\/ URL/],
    ["oci://r .io/charts", /is not a host\[:port\]/],
    ["oci://bot:s3cret@r.io/charts", /registry with user info is not a host/],
  ])("refuses %s", (target, message) => {
    expect(() => parseChartTarget(target)).toThrow(message);
    try {
      parseChartTarget(target);
    } catch (e) {
      expect((e as Error).message).not.toContain("s3cret");
    }
  });
});
