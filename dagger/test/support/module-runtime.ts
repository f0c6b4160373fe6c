/**
 * What the engine's TypeScript runtime does to a module's files before the module runs, for tests
 * that build from the module's source as the engine hands it over.
 */

/**
 * package.json as the runtime rewrites it (dagger/dagger v0.21.8
 * `sdk/typescript/runtime/tsutils/package_json_updator.go`, UpdatePackageJSONForModule): `type`
 * set to `module`, `dependencies.typescript` added when missing (its default 5.9.3), and
 * `@dagger.io/dagger` deleted from dependencies and devDependencies, since the runtime mounts its
 * own generated SDK. Keys keep their order; the text keeps npm's two-space layout.
 */
export function runtimePackageJson(text: string): string {
  const pkg = JSON.parse(text) as {
    type?: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  pkg.type = "module";
  pkg.dependencies ??= {};
  pkg.dependencies.typescript ??= "5.9.3";
  delete pkg.dependencies["@dagger.io/dagger"];
  if (pkg.devDependencies) delete pkg.devDependencies["@dagger.io/dagger"];
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
