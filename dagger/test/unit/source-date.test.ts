import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { epochOf, isoSeconds, parseSourceDateEpoch, sourceDate } from "../../src/core/release/source-date.js";

const HEAD = { sha: "a".repeat(40), time: 1_700_000_000 };
const TAGGED = { commit: "b".repeat(40), time: 1_600_000_000 };

describe("sourceDate: the one date a run stamps", () => {
  it.each([
    ["HEAD's committer time for HEAD", { sha: HEAD.sha }, 1_700_000_000, "commit"],
    ["an abbreviated sha of HEAD", { sha: "aaaaaaa" }, 1_700_000_000, "commit"],
    ["a tag's commit when the event is that commit", { sha: TAGGED.commit }, 1_600_000_000, "commit"],
    [
      "HEAD's when the event's commit is unknown: the checkout is what gets built",
      { sha: "c".repeat(40) },
      1_700_000_000,
      "commit",
    ],
    [
      "SOURCE_DATE_EPOCH over any commit",
      { sha: TAGGED.commit, sourceDateEpoch: "1234567890" },
      1_234_567_890,
      "SOURCE_DATE_EPOCH",
    ],
    ["SOURCE_DATE_EPOCH of 0", { sha: HEAD.sha, sourceDateEpoch: "0" }, 0, "SOURCE_DATE_EPOCH"],
    ["an empty SOURCE_DATE_EPOCH as unset", { sha: HEAD.sha, sourceDateEpoch: "" }, 1_700_000_000, "commit"],
  ])("takes %s", (_, input, epoch, from) => {
    const date = sourceDate({ head: HEAD, known: [TAGGED], ...input });
    expect(date).toEqual({ epoch, iso: isoSeconds(epoch), from });
  });

  it("never reads the clock: the same input gives the same date", () => {
    expect(sourceDate({ head: HEAD, sha: HEAD.sha })).toEqual(sourceDate({ head: HEAD, sha: HEAD.sha }));
  });
});

describe("SOURCE_DATE_EPOCH", () => {
  it.each(["-1", "1.5", "1e9", "yesterday", "0x10", "99999999999999"])(
    "refuses %s with the variable's name",
    (value) => {
      expect(() => parseSourceDateEpoch(value)).toThrow(UsageError);
      expect(() => parseSourceDateEpoch(value)).toThrow(
        /^SOURCE_DATE_EPOCH .* is not a time: give whole seconds/,
      );
    },
  );

  it.each([
    [undefined, null],
    ["  ", null],
    ["1700000000", 1_700_000_000],
    [" 42 ", 42],
  ])("reads %j as %j", (value, seconds) => {
    expect(parseSourceDateEpoch(value)).toBe(seconds);
  });
});

describe("dates as text", () => {
  it.each([
    [0, "1970-01-01T00:00:00Z"],
    [1_700_000_000, "2023-11-14T22:13:20Z"],
  ])("writes %d as %s (RFC 3339, UTC, whole seconds)", (epoch, iso) => {
    expect(isoSeconds(epoch)).toBe(iso);
    expect(epochOf(iso)).toBe(epoch);
  });

  it.each([
    ["2026-11-25T00:00:00.999Z", 1_795_564_800],
    ["2023-11-14T23:13:20+01:00", 1_700_000_000],
    ["not a date", null],
    ["2026-11-25", null],
  ])("reads %s as %j", (iso, epoch) => {
    expect(epochOf(iso)).toBe(epoch);
  });
});
