/**
 * A generated image built on a container of its platform, replaying its plan
 * (core/images/image-plan.ts, the steps the host's Dockerfile is rendered from). The platform is
 * the container's: `dag.container({ platform })` from the base (or empty, for scratch), so the
 * image config names the platform it was built for whatever the base and whatever the engine can
 * emulate. A dockerBuild of the same Dockerfile reported the engine's own platform for a
 * `FROM scratch` build on an engine without emulation.
 */
import {
  type Container,
  type Platform as DaggerPlatform,
  type Directory,
  dag,
  type NetworkProtocol,
} from "@dagger.io/dagger";
import { copyDestination, type ImagePlan, SCRATCH } from "../core/images/image-plan.js";

/**
 * The container of `plan` for `platform`: each step in order, COPY sources taken from `context`
 * (a build context laid out as for a Dockerfile build), `isFolder` saying which are folders.
 */
export function containerFromPlan(
  plan: ImagePlan,
  platform: string,
  context: Directory,
  isFolder: (contextPath: string) => boolean,
): Container {
  let c = dag.container({ platform: platform as unknown as DaggerPlatform });
  for (const step of plan.steps) {
    switch (step.op) {
      case "from":
        if (step.image !== SCRATCH) c = c.from(step.image);
        break;
      case "run":
        c = c.withExec(step.argv);
        break;
      case "env":
        for (const [name, value] of step.vars) c = c.withEnvVariable(name, value);
        break;
      case "copy": {
        const folder = isFolder(step.from);
        const to = copyDestination(step, folder);
        c = folder
          ? c.withDirectory(to, context.directory(step.from))
          : c.withFile(to, context.file(step.from));
        break;
      }
      case "label":
        for (const [name, value] of step.labels) c = c.withLabel(name, value);
        break;
      case "workdir":
        c = c.withWorkdir(step.path);
        break;
      case "user":
        c = c.withUser(step.user);
        break;
      case "entrypoint":
        c = c.withEntrypoint(step.args);
        break;
      case "cmd":
        c = c.withDefaultArgs(step.args);
        break;
      case "expose":
        for (const p of step.ports)
          c = c.withExposedPort(p.port, { protocol: p.protocol as NetworkProtocol });
        break;
      case "dockerfile":
        // images.ts builds such a plan with dockerBuild (containerBuildable is false).
        throw new Error(`image ${plan.name}: "${step.text}" needs a Dockerfile build`);
    }
  }
  return c;
}
