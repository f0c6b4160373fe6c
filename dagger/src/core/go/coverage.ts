/** The coverage gate: read `go tool cover -func` output and compare its total with the minimum. */

/** The gate's verdict. */
export interface CoverageVerdict {
  total: number;
  minimum: number;
  pass: boolean;
  message: string;
}

/** Reads the `total:` percentage from `go tool cover -func` output; null when absent. */
export function parseCoverageTotal(output: string): number | null {
  const line = output.split("\n").find((l) => l.startsWith("total:"));
  const match = line && /(\d+(?:\.\d+)?)%\s*$/.exec(line.trim());
  return match ? Number(match[1]) : null;
}

/** Decides pass/fail against `minimum`, naming the shortfall in points. */
export function checkCoverage(output: string, minimum: number): CoverageVerdict {
  const total = parseCoverageTotal(output);
  if (total === null) {
    return {
      total: 0,
      minimum,
      pass: false,
      message: "no total in the coverage report (did go test -coverprofile run?)",
    };
  }
  if (total >= minimum)
    return { total, minimum, pass: true, message: `coverage ${total}% meets the minimum ${minimum}%` };
  const shortfall = Math.round((minimum - total) * 10) / 10;
  return {
    total,
    minimum,
    pass: false,
    message: `coverage ${total}% is ${shortfall} points below the minimum ${minimum}% (add tests or lower coverage.minimum in pipeline.yaml)`,
  };
}
