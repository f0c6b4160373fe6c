/**
 * The semver functions the core uses, imported one by one: loading the whole `semver` package
 * costs ~30 ms of the CLI's 300 ms startup budget, the few functions a fraction of it.
 */
export { default as coerce } from "semver/functions/coerce.js";
export { default as eq } from "semver/functions/eq.js";
export { default as gt } from "semver/functions/gt.js";
export { default as inc } from "semver/functions/inc.js";
export { default as parse } from "semver/functions/parse.js";
export { default as prerelease } from "semver/functions/prerelease.js";
export { default as valid } from "semver/functions/valid.js";
