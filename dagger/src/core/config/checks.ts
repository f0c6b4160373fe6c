/**
 * Checks for string keys of the schema table: each returns the problem in words, or null. They
 * keep values that reach paths, argv, Dockerfiles, commits and namespaces to a grammar with
 * nothing to interpret.
 */
import { hasControlChars, relativePathProblem } from "../validate.js";

/** A relative path without `..`. */
export const relativePath = (value: string): string | null => relativePathProblem(value);
/** Empty, or a relative path without `..`. */
export const optionalRelativePath = (value: string): string | null => relativePathProblem(value, true);
/** The problem when `test` fails, named as `what`. */
export const expect =
  (test: (value: string) => boolean, what: string) =>
  (value: string): string | null =>
    test(value) ? null : `is not ${what}`;
/** One line without control characters, at most `max` long. */
export const oneLine = (max: number) => (value: string) =>
  hasControlChars(value)
    ? "must be one line without control characters"
    : value.length > max
      ? `is longer than ${max} characters`
      : null;
