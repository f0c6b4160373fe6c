/**
 * What a `go test -json` run says, as people read it: on success one line per package (`ok`,
 * coverage, `no test files`); on failure each failed package with each failed test's own output
 * (its `t.Error` lines, a panic), the package's own lines (a build error, a TestMain failure),
 * and what went to stderr outside the JSON (older Go's build errors). A failing stage prints this
 * instead of the last lines of the whole run, where the failure is rarely found.
 */

/** One event of `go test -json` (cmd/test2json). */
export interface TestEvent {
  Action: string;
  Package?: string;
  Test?: string;
  Output?: string;
  /** Build events (Go 1.24+): `build-output`, `build-fail`. */
  ImportPath?: string;
  FailedBuild?: string;
}

/** One failed package and what it printed. */
export interface FailedPackage {
  name: string;
  /** Failed tests in the order they failed, with their own output lines. */
  tests: { name: string; output: string[] }[];
  /** The package's lines outside any test (panics, TestMain, `FAIL` lines), and its build errors. */
  output: string[];
}

/** A parsed run. */
export interface TestReport {
  /** One line per package: `ok  pkg  0.2s  coverage: 81.0% of statements`. */
  summary: string[];
  failed: FailedPackage[];
  /** Lines that were not JSON events (stderr, or a tool that printed around the JSON). */
  other: string[];
}

/** Lines of the test framework's own bookkeeping, which say nothing about why something failed. */
const NOISE = /^(=== (RUN|PAUSE|CONT|NAME)|PASS$|FAIL$|coverage: )/;

/** Parses `go test -json` stdout (and stderr, which holds no JSON) into a {@link TestReport}. */
export function parseTestJson(stdout: string, stderr = ""): TestReport {
  const outputs = new Map<string, string[]>();
  const failedTests = new Map<string, string[]>();
  const failedPackages: string[] = [];
  const build = new Map<string, string[]>();
  const summary: string[] = [];
  const other: string[] = [];
  const push = (map: Map<string, string[]>, key: string, line: string) => {
    const list = map.get(key) ?? [];
    list.push(line);
    map.set(key, list);
  };
  for (const raw of stdout.split("\n")) {
    if (!raw.trim()) continue;
    let event: TestEvent;
    try {
      event = JSON.parse(raw) as TestEvent;
      if (!event || typeof event.Action !== "string") throw new Error("not an event");
    } catch {
      other.push(raw);
      continue;
    }
    const pkg = event.Package ?? "";
    const line = (event.Output ?? "").replace(/\n$/, "");
    if (event.Action === "build-output" && event.ImportPath) {
      push(build, event.ImportPath.split(" ")[0]!, line);
    } else if (event.Action === "output") {
      push(outputs, `${pkg}\u0000${event.Test ?? ""}`, line);
      if (!event.Test && /^(ok|FAIL|\?)\s/.test(line)) summary.push(line.replace(/\t/g, "  "));
    } else if (event.Action === "fail") {
      if (event.Test) push(failedTests, pkg, event.Test);
      else if (!failedPackages.includes(pkg)) failedPackages.push(pkg);
    }
  }
  const failed = failedPackages.map((name) => ({
    name,
    tests: (failedTests.get(name) ?? []).map((test) => ({
      name: test,
      output: (outputs.get(`${name}\u0000${test}`) ?? []).filter((l) => !NOISE.test(l.trim())),
    })),
    output: [
      ...(build.get(name) ?? []),
      ...(outputs.get(`${name}\u0000`) ?? []).filter((l) => !NOISE.test(l.trim()) && !/^(ok|FAIL)\s/.test(l)),
    ],
  }));
  for (const line of stderr.split("\n")) if (line.trim()) other.push(line);
  return { summary, failed, other };
}

/** The last `max` lines of `lines`, saying how many came before. */
function lastLines(lines: readonly string[], max: number): string[] {
  if (lines.length <= max) return [...lines];
  return [`... (${lines.length - max} earlier line(s))`, ...lines.slice(-max)];
}

/**
 * The failure as people read it: per failed package, each failed test and its output (a parent
 * whose only output is its subtests' is left to them), then the package's own lines; then lines
 * outside the JSON. At most `maxPerTest` lines per test or package.
 */
export function failureText(report: TestReport, maxPerTest = 60): string {
  const out: string[] = [];
  for (const pkg of report.failed) {
    out.push(`FAIL ${pkg.name}`);
    for (const test of pkg.tests) {
      const sub = pkg.tests.some((t) => t.name.startsWith(`${test.name}/`));
      const own = test.output.filter((l) => !/^\s*--- (FAIL|PASS|SKIP):/.test(l));
      if (sub && own.length === 0) continue;
      out.push(`  --- ${test.name}`);
      for (const line of lastLines(test.output, maxPerTest)) out.push(`    ${line}`);
    }
    for (const line of lastLines(pkg.output, maxPerTest)) out.push(`  ${line}`);
  }
  if (report.other.length) {
    out.push(report.failed.length ? "outside the test output:" : "go test said:");
    for (const line of lastLines(report.other, maxPerTest)) out.push(`  ${line}`);
  }
  return out.join("\n");
}

/** The one-line headline of a failed run. */
export function failureHeadline(report: TestReport): string {
  const tests = report.failed.reduce((n, p) => n + p.tests.filter((t) => !t.name.includes("/")).length, 0);
  if (report.failed.length === 0) return "go test failed";
  return `go test failed in ${report.failed.length} package(s)${tests ? `, ${tests} test(s)` : ""}: ${report.failed.map((p) => p.name).join(", ")}`;
}
