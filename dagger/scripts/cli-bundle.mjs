// @ts-check
/**
 * The CLI bundle, dist/cli/pipeline.mjs: what `npm run pipeline` runs (through bin/launch.mjs),
 * built once on install and again only when its inputs change.
 *
 * Fresh or not is decided cheaply on every call: a stat of each input (src/, bin/, package.json,
 * the lockfile, tsconfig.json and this file) against the stamp of the last build; only when sizes
 * or mtimes moved are the inputs hashed, and only when the bytes changed is the bundle rebuilt
 * (a checkout or `touch` that changes no byte rebuilds nothing).
 *
 * Concurrent calls never see a half-built bundle: builds are serialized by a lock directory, and
 * every file is written beside its final name and renamed into place. Chunks carry a content hash
 * in their names and are written before the entry that imports them, so the entry's rename is the
 * one moment a build becomes visible; chunks of earlier builds stay for a day, so a long run that
 * started before a rebuild still finds the chunks it imports lazily.
 *
 * Plain JavaScript on purpose: it runs before anything is compiled (checked by tsc via @ts-check).
 * Node resolves, reads and compiles ~150 small files (ours, commander, semver, yaml) on every start
 * of tsc's output; the bundle is a few files. Splitting keeps dynamic imports lazy: each command's
 * heavy modules (its adapters, the config reader and YAML) are chunks that load only when that
 * command runs. Type-checking stays with tsc (`npm run build`, `npm run typecheck`).
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";

const dagger = join(import.meta.dirname, "..");
/** Where the bundle lives. */
export const OUT_DIR = join(dagger, "dist/cli");
/** The bundle's entry. */
export const ENTRY = join(OUT_DIR, "pipeline.mjs");
const STAMP = join(OUT_DIR, "stamp.json");
const LOCK = join(OUT_DIR, ".build.lock");
/** Folders whose files are inputs (every file: a data file imported by the CLI counts too). */
const INPUT_DIRS = ["src", "bin"];
/** Single files that are inputs: dependencies, compiler settings, and how the bundle is made. */
const INPUT_FILES = ["package.json", "package-lock.json", "tsconfig.json", "scripts/cli-bundle.mjs"];
/** Chunks of earlier builds are kept this long for runs that started before a rebuild. */
const KEEP_OLD_MS = 24 * 60 * 60 * 1000;
/** A lock whose owner left no pid after this long is abandoned. */
const LOCK_GRACE_MS = 30_000;
/** How long a call waits for another's build before giving up. */
const LOCK_WAIT_MS = 10 * 60 * 1000;

/** @typedef {{ stats: string; content: string }} Stamp */

/** @returns {string[]} every input file, relative to dagger/, sorted */
function inputFiles() {
  /** @type {string[]} */
  const files = [];
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(join(dagger, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  for (const dir of INPUT_DIRS) walk(dir);
  for (const file of INPUT_FILES) if (existsSync(join(dagger, file))) files.push(file);
  return files.sort();
}

/**
 * @param {readonly string[]} files
 * @returns {string} a digest of each file's name, size and mtime
 */
function statsKey(files) {
  const hash = createHash("sha256");
  for (const file of files) {
    const stat = statSync(join(dagger, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest("hex");
}

/**
 * @param {readonly string[]} files
 * @returns {string} a digest of each file's name and bytes
 */
function contentKey(files) {
  const hash = createHash("sha256");
  for (const file of files) {
    const bytes = readFileSync(join(dagger, file));
    hash.update(`${file}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest("hex");
}

/** @returns {Stamp | null} */
function readStamp() {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, "utf8"));
    return typeof stamp?.stats === "string" && typeof stamp?.content === "string" ? stamp : null;
  } catch {
    return null;
  }
}

/**
 * Writes beside `path`, then renames: a reader sees the old bytes or the new, never a part.
 * @param {string} path
 * @param {string | Uint8Array} data
 */
function writeAtomic(path, data) {
  const temp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * The bundle's entry when it was built from the inputs as they are now, else null. Costs a stat
 * per input; hashes the inputs only when a size or mtime moved.
 * @returns {string | null}
 */
export function freshEntry() {
  const stamp = readStamp();
  if (!stamp || !existsSync(ENTRY)) return null;
  const files = inputFiles();
  const stats = statsKey(files);
  if (stamp.stats === stats) return ENTRY;
  const content = contentKey(files);
  if (stamp.content !== content) return null;
  // Same bytes, new mtimes (a checkout, a touch): remember them so the next call only stats.
  writeAtomic(STAMP, JSON.stringify({ stats, content }));
  return ENTRY;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @returns {boolean} true when the lock's owner is gone (or never said who it was) */
function lockAbandoned() {
  let owner;
  try {
    owner = Number(readFileSync(join(LOCK, "owner"), "utf8"));
  } catch {
    // Between mkdir and the owner file, or a lock that vanished: only old ones are abandoned.
    try {
      return Date.now() - statSync(LOCK).mtimeMs > LOCK_GRACE_MS;
    } catch {
      return false;
    }
  }
  try {
    process.kill(owner, 0);
    return false;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === "ESRCH";
  }
}

/**
 * Takes the build lock (a directory: mkdir is atomic), waiting while another call builds; a lock
 * whose process died (a build stopped by Ctrl-C) is taken over.
 * @returns {Promise<() => void>} its release
 */
async function takeLock() {
  mkdirSync(OUT_DIR, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, "owner"), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EEXIST") throw error;
    }
    if (lockAbandoned()) {
      // Renamed away first, so two callers that both saw it abandoned cannot remove a new owner's lock.
      const gone = `${LOCK}.abandoned-${process.pid}-${Date.now()}`;
      try {
        renameSync(LOCK, gone);
        rmSync(gone, { recursive: true, force: true });
      } catch {
        // Another caller took it over first.
      }
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(
        `another process has been building the CLI for ${LOCK_WAIT_MS / 60_000} minutes; if none is, remove ${relative(process.cwd(), LOCK)}`,
      );
    await sleep(100);
  }
}

/**
 * Builds the bundle from the inputs as they are now and puts it in place: chunks first, then the
 * entry, then the stamp. Call it holding the lock.
 */
async function build() {
  const files = inputFiles();
  const stats = statsKey(files);
  const content = contentKey(files);
  const { build: esbuild } = await import("esbuild");
  const result = await esbuild({
    absWorkingDir: dagger,
    entryPoints: ["bin/pipeline.ts"],
    outdir: OUT_DIR,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Optional or module-only dependencies: loaded from node_modules when (if) a command needs them.
    external: ["better-sqlite3", "pg", "playwright-core", "@dagger.io/dagger"],
    // commander and semver are CommonJS and require() Node's built-ins; ESM has no require.
    banner: {
      js: "import { createRequire as __pipelineRequire } from 'node:module'; const require = __pipelineRequire(import.meta.url);",
    },
    legalComments: "none",
    logLevel: "warning",
    write: false,
  });
  const entry = result.outputFiles.find((file) => file.path === ENTRY);
  if (!entry) throw new Error(`esbuild wrote no ${relative(dagger, ENTRY)}`);
  mkdirSync(join(OUT_DIR, "chunks"), { recursive: true });
  for (const file of result.outputFiles) {
    if (file === entry) continue;
    // A chunk's name carries its content hash: one already there is these bytes.
    if (existsSync(file.path) && statSync(file.path).size === file.contents.length) continue;
    writeAtomic(file.path, file.contents);
  }
  writeAtomic(ENTRY, entry.contents);
  writeAtomic(STAMP, JSON.stringify({ stats, content }));
  removeOldChunks(new Set(result.outputFiles.map((file) => file.path)));
}

/**
 * Removes chunks no build of the last day uses, and temp files a killed build left behind.
 * @param {ReadonlySet<string>} current
 */
function removeOldChunks(current) {
  const dir = join(OUT_DIR, "chunks");
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (current.has(path)) continue;
    try {
      if (now - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { force: true });
    } catch {
      // Removed by a concurrent build's sweep.
    }
  }
}

/**
 * The bundle's entry, built first when missing or stale.
 * @param {{ force?: boolean; onBuild?: () => void }} [options] `force`: build even when fresh;
 *   `onBuild`: called once before a build starts (to tell the user why this call is slow)
 * @returns {Promise<string>}
 */
export async function ensureBundle(options = {}) {
  if (!options.force) {
    const entry = freshEntry();
    if (entry) return entry;
  }
  const release = await takeLock();
  try {
    // Another call may have built it while this one waited for the lock.
    if (!options.force) {
      const entry = freshEntry();
      if (entry) return entry;
    }
    options.onBuild?.();
    await build();
    return ENTRY;
  } finally {
    release();
  }
}

// `node scripts/cli-bundle.mjs [--if-stale]`: what `npm run build` runs after tsc.
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  await ensureBundle({ force: !process.argv.includes("--if-stale") });
}
