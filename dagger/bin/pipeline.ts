#!/usr/bin/env node
/** CLI entry: lives outside src/ because the Dagger runtime imports every file under src/. */
import { installSignalHandlers, shutdown } from "../src/adapters/process-lifecycle.js";
import { main } from "../src/cli/main.js";

// SIGINT/SIGTERM stop git children and remove temp dirs before exiting 130/143.
installSignalHandlers();
const code = await main(process.argv);
// Children are awaited and temp dirs removed before the exit code is set: nothing outlives the CLI.
await shutdown();
process.exitCode = code;
