#!/usr/bin/env node
/** CLI entry: lives outside src/ because the Dagger runtime imports every file under src/. */
import { main } from "../src/cli/main.js";

process.exitCode = await main(process.argv);
