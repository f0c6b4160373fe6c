import { describe, expect, it } from "vitest";
import { checkCoverage, parseCoverageTotal } from "../../src/core/go/coverage.js";

const report = (total: string) =>
  `github.com/x/internal/a.go:10:\tFoo\t100.0%\ngithub.com/x/internal/b.go:20:\tBar\t0.0%\ntotal:\t\t\t\t(statements)\t${total}\n`;

describe("coverage gate", () => {
  it.each([
    [report("72.5%"), 60, true, "coverage 72.5% meets the minimum 60%"],
    [report("60.0%"), 60, true, "meets"],
    [report("58.3%"), 60, false, "coverage 58.3% is 1.7 points below the minimum 60%"],
    ["no total here", 60, false, "no total in the coverage report"],
  ])("%#: pass=%s", (output, minimum, pass, message) => {
    const verdict = checkCoverage(output, minimum);
    expect(verdict.pass).toBe(pass);
    expect(verdict.message).toContain(message);
  });

  it("reads the total", () => {
    expect(parseCoverageTotal(report("12.3%"))).toBe(12.3);
    expect(parseCoverageTotal("")).toBeNull();
  });
});
