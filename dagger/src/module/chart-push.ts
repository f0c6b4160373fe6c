/**
 * `helm-push`: the chart packaged at the plan's version and appVersion, pushed as an OCI artifact by
 * the pipeline's own client; to a registry on the host, by the same `pipeline chart push` in the
 * CLI container, with the registry bound as a service.
 */
import type { Service } from "@dagger.io/dagger";
import { pushChart } from "../adapters/registry/chart-push.js";
import type { PipelineConfig } from "../core/config/config.js";
import type { Plan } from "../core/release/plan.js";
import { epochOf } from "../core/release/source-date.js";
import { chartPushCommand } from "../core/tools/pipeline-cli.js";
import { helmPackage, helmPackageBytes } from "./chart.js";
import { cliRepository, runCli, runId } from "./cli-container.js";
import type { ModuleContext } from "./context.js";
import { plainLogins, type RegistryLoginArgs, type RegistryLogins, registryLogins } from "./credentials.js";

/** The plan's source date, as an annotation. */
const CREATED = "org.opencontainers.image.created";

/** The host name a registry passed as a Service has inside the CLI container. */
const REGISTRY_ALIAS = "registry";

/** Where and as what the chart is pushed. */
export interface ChartPushInput {
  registry?: string;
  version: string;
  logins?: RegistryLogins;
  registryService?: Service;
}

/** The arguments of `dagger call helm-push`. */
export interface HelmPushInput extends Omit<ChartPushInput, "version" | "logins">, RegistryLoginArgs {
  version?: string;
  ref?: string;
  sha?: string;
  pr?: number;
}

/** Pushes the event's chart (default version: the plan's). */
export async function helmPushEvent(context: ModuleContext, input: HelmPushInput): Promise<string> {
  const logins = await registryLogins("helm-push", input);
  const config = await context.config();
  const plan = await context.plan({ ref: input.ref, sha: input.sha, pr: input.pr });
  return chartPushPlanned(context, config, plan, {
    registry: input.registry,
    version: input.version ?? plan.chart.version,
    logins,
    registryService: input.registryService,
  });
}

/** Packages the chart at the plan's appVersion and pushes it as `version`. */
export async function chartPushPlanned(
  context: ModuleContext,
  config: PipelineConfig,
  plan: Plan,
  options: ChartPushInput,
): Promise<string> {
  const { registry, version, logins, registryService } = options;
  if (registryService) return chartPushThroughService(context, config, plan, { ...options, registryService });
  // Bytes as base64 text: File.contents would turn the .tgz's invalid UTF-8 into U+FFFD.
  const bytes = await helmPackageBytes(context.source, config, version, plan.chart.appVersion);
  const result = await pushChart({
    chart: bytes,
    target: registry ?? config.chart.registry,
    // The commit's date: the same chart blob and manifest on every push of one commit.
    created: plan.annotations[CREATED],
    ...(await plainLogins(logins)),
    insecure: config.image.insecureRegistries,
  });
  return JSON.stringify(result, null, 2);
}

/**
 * The chart push to a registry on the host (the local loop's localhost:5001): the module's own
 * loopback is not the host's, so the same `pipeline chart push` runs in the CLI container with
 * the registry bound as a service, under an alias that stands for the target's host.
 */
function chartPushThroughService(
  context: ModuleContext,
  config: PipelineConfig,
  plan: Plan,
  options: ChartPushInput & { registryService: Service },
): Promise<string> {
  const target = new URL((options.registry ?? config.chart.registry).replace(/^oci:\/\//, "http://"));
  const host = `${REGISTRY_ALIAS}:${target.port || "80"}`;
  const chart = helmPackage(context.source, config, options.version, plan.chart.appVersion);
  const epoch = epochOf(plan.annotations[CREATED] ?? "");
  const cli = context
    .cli()
    .withEnvVariable("SOURCE_DATE_EPOCH", epoch === null ? "" : String(epoch))
    .withServiceBinding(REGISTRY_ALIAS, options.registryService)
    .withMountedFile("/chart.tgz", chart);
  return runCli(
    cli,
    cliRepository(context.source, config),
    chartPushCommand({ chart: "/chart.tgz", target: `oci://${host}${target.pathname}`, insecureHost: host }),
    { registry: options.logins },
    runId(),
  );
}
