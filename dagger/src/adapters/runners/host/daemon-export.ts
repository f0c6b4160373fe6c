/**
 * The images of a run out of the local Docker daemon, in one export: `docker save` of every ref
 * at once, read from its stdout (no temp file), each layer once however many images share it.
 *
 * Why an export at all: the daemon gives an image's layers only as an export (`docker save`, the
 * Engine API's image get); `docker push` would push the daemon's own config, which dates every
 * layer and history entry by the build's wall clock and names the intermediate container, so the
 * digests would change from run to run and differ from the module's; building straight to the
 * registry needs BuildKit's exporters, which the legacy builder (the Docker 20.10 daemon and a CLI
 * without buildx) lacks. One streamed export per publish is what is left.
 */
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { posix } from "node:path";
import { FailureError } from "../../../core/errors.js";
import { tarEntries } from "../../../core/registry/tar.js";
import { outputTail } from "../../../core/tools/output.js";
import { trackChild } from "../../process-lifecycle.js";

/** One image as the daemon stored it: its config and its layer tars, bottom first. */
export interface DaemonImage {
  config: Buffer;
  layers: Buffer[];
}

/** Runs `docker save refs...` and resolves to the archive's bytes. */
function dockerSave(refs: readonly string[], env: Readonly<Record<string, string>>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", ["save", ...refs], {
      cwd: tmpdir(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const exited = trackChild(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (d: Buffer) => out.push(d));
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    child.on("error", (error) =>
      reject(new FailureError(`publish: could not start docker save (${error.message})`)),
    );
    void exited.then((code) => {
      if (code === 0) return resolve(Buffer.concat(out));
      reject(
        new FailureError(
          `publish: docker save of ${refs.length} images exited ${code ?? "on a signal"}; its last lines:\n${outputTail(Buffer.concat(err).toString("utf8"), 15)}`,
        ),
      );
    });
  });
}

/**
 * Every image of `refs` in one `docker save`, by ref. Each ref must be a tag the daemon has (the
 * images stage's local tags).
 */
export async function exportImages(
  refs: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<Map<string, DaemonImage>> {
  const unique = [...new Set(refs)];
  if (unique.length === 0) return new Map();
  const archive = await dockerSave(unique, env);
  const files = new Map<string, Buffer>();
  // A layer two images share is written once; the other images' layer.tar is a symlink to it.
  const links = new Map<string, string>();
  for (const entry of tarEntries(archive)) {
    if (entry.type === "0") files.set(entry.name, entry.body);
    else if (entry.type === "2")
      links.set(entry.name, posix.normalize(posix.join(posix.dirname(entry.name), entry.link)));
  }
  const file = (name: string) => {
    const bytes = files.get(name) ?? files.get(links.get(name) ?? "");
    if (!bytes) throw new FailureError(`publish: docker save of ${unique.join(", ")} has no ${name}`);
    return bytes;
  };
  const manifest = JSON.parse(file("manifest.json").toString("utf8")) as {
    Config: string;
    RepoTags: string[] | null;
    Layers: string[];
  }[];
  const images = new Map<string, DaemonImage>();
  for (const entry of manifest) {
    const image = { config: file(entry.Config), layers: entry.Layers.map(file) };
    for (const tag of entry.RepoTags ?? []) images.set(tag, image);
  }
  for (const ref of unique)
    if (!images.has(ref)) throw new FailureError(`publish: docker save wrote no image for ${ref}`);
  return images;
}
