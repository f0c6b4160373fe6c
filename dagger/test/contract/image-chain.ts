/**
 * Reads the images a module run built: each returned container's image (its title annotation)
 * and chain, and that chain as Dockerfile-like lines, to compare with the plan the host renders
 * its Dockerfile from (core/images/image-plan.ts).
 */
import type { ImagePlan } from "../../src/core/images/image-plan.js";
import { decodeId, type Step } from "./engine.js";

/** The image a returned container ID is: its title annotation and its chain. */
export function imagesOf(ids: readonly string[]): { image: string; chain: Step[] }[] {
  return ids.map((id) => {
    const chain = decodeId(id);
    const title = chain.find(
      (s) => s.field === "withAnnotation" && s.args.name === "org.opencontainers.image.title",
    );
    return { image: String(title?.args.value), chain };
  });
}

/** What a container chain (after its `container(platform:)`) does, one Dockerfile-like line per call. */
export function chainLines(chain: readonly Step[]): string[] {
  return chain
    .slice(1)
    .filter((s) => s.field !== "withAnnotation")
    .map((s) => {
      const a = s.args;
      if (s.field === "from") return `FROM ${a.address}`;
      if (s.field === "withExec") return `RUN ${(a.args as string[]).join(" ")}`;
      if (s.field === "withEnvVariable") return `ENV ${a.name}=${JSON.stringify(a.value)}`;
      if (s.field === "withFile" || s.field === "withDirectory")
        return `COPY ${decodeId(String(a.source ?? a.directory)).at(-1)?.args.path} ${a.path}`;
      if (s.field === "withLabel") return `LABEL ${a.name}=${JSON.stringify(a.value)}`;
      if (s.field === "withWorkdir") return `WORKDIR ${a.path}`;
      if (s.field === "withUser") return `USER ${a.name}`;
      if (s.field === "withEntrypoint") return `ENTRYPOINT ${JSON.stringify(a.args)}`;
      if (s.field === "withDefaultArgs") return `CMD ${JSON.stringify(a.args)}`;
      if (s.field === "withExposedPort") return `EXPOSE ${a.port}/${String(a.protocol).toLowerCase()}`;
      return `? ${s.field}`;
    });
}

/** The same lines for a plan: what its container must do, step for step. */
export function planLines(plan: ImagePlan): string[] {
  return plan.steps.flatMap((step) => {
    switch (step.op) {
      case "from":
        return step.image === "scratch" ? [] : [`FROM ${step.image}`];
      case "run":
        return [`RUN ${step.argv.join(" ")}`];
      case "env":
        return step.vars.map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`);
      case "label":
        return step.labels.map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`);
      case "entrypoint":
        return [`ENTRYPOINT ${JSON.stringify(step.args)}`];
      case "cmd":
        return [`CMD ${JSON.stringify(step.args)}`];
      case "expose":
        return step.ports.map((p) => `EXPOSE ${p.port}/${p.protocol.toLowerCase()}`);
      default:
        return [step.text];
    }
  });
}
