import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT } from "../../../domain/paths";
import { PROVIDER_CODE_KEY } from "./dynamicDiff";

/**
 * Where a dynamic resource's provider lives: the module that exports it, the export's name, and data the provider reads
 * from `this` where it runs (e.g. the config key that re-runs a job, to name in its messages).
 */
export interface StoredProvider {
  /** The provider's module: its `__filename`. */
  readonly file: string;
  /** The export of that module that is the provider object. */
  readonly exportName: string;
  /** Added to the provider object where it runs. */
  readonly extras?: Readonly<Record<string, string>>;
}

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

interface CachedBundle {
  /** Each file esbuild read (relative to the project), with the digest of its content then. */
  readonly inputs: Record<string, string>;
  readonly code: string;
}

/** A cached bundle whose every input is unchanged, or undefined. */
function readCache(file: string, root: string): string | undefined {
  try {
    const cached = JSON.parse(fs.readFileSync(file, "utf8")) as CachedBundle;
    const fresh = Object.entries(cached.inputs).every(([input, digest]) => sha256(fs.readFileSync(path.join(root, input))) === digest);
    return fresh ? cached.code : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, bundle: CachedBundle): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written aside and renamed, so that a concurrent run never reads half a file.
    fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(bundle));
    fs.renameSync(`${file}.${process.pid}`, file);
  } catch {
    // A read-only install bundles every run.
  }
}

/**
 * A module and every module of ours it imports, bundled by esbuild into one CommonJS text; packages (`@pulumi/pulumi`,
 * `@azure/identity`, ...) stay `require` calls. Paths in it are relative to `root` (the project), so the text is the
 * same in every checkout. Cached in `root`'s node_modules/.cache, keyed by the content of every file it was built from.
 */
export function bundledModule(file: string, root = PROJECT_ROOT): string {
  const options = {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    absWorkingDir: root,
    write: false,
    metafile: true,
    logLevel: "silent",
  } as const;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require("esbuild/package.json") as { version: string }).version;
  const key = sha256(JSON.stringify([version, options, path.relative(root, file)]));
  const cacheFile = path.join(root, "node_modules", ".cache", "phi3-foundry-providers", `${key}.json`);
  let code = readCache(cacheFile, root);
  if (code === undefined) {
    // Loaded only on a miss, and only here: the bundle contains this module, and where it runs it needs no esbuild.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const built = esbuild.buildSync({ ...options, entryPoints: [file] });
    code = built.outputFiles[0].text;
    const inputs = Object.fromEntries(Object.keys(built.metafile.inputs).map((input) => [input, sha256(fs.readFileSync(path.join(root, input)))]));
    writeCache(cacheFile, { inputs, code });
  }
  return code;
}

/**
 * The `__provider` text of a provider: CommonJS whose `handler()` returns the provider object, which is what the SDK's
 * dynamic-provider server loads (@pulumi/pulumi cmd/dynamic-provider: `requireFromString(props.__provider).handler()`,
 * its packages resolved from the working directory). tests/dynamicProviders.test.ts runs it in that server.
 */
export function providerText(provider: StoredProvider, root = PROJECT_ROOT): string {
  return [
    `// ${path.relative(root, provider.file).split(path.sep).join("/")}: ${provider.exportName}, bundled`,
    "exports.handler = function () {",
    "  const module = { exports: {} };",
    "  (function (exports, require, module) {",
    bundledModule(provider.file, root),
    "  })(module.exports, require, module);",
    `  return Object.assign({}, module.exports[${JSON.stringify(provider.exportName)}], ${JSON.stringify(provider.extras ?? {})});`,
    "};",
    "",
  ].join("\n");
}

/**
 * A dynamic resource, stored as Pulumi's `dynamic.Resource` stores one (type `pulumi-nodejs:dynamic/<module>:<type>`,
 * the provider's code in the `__provider` input), but with the provider's code bundled rather than serialized:
 * `dynamic.Resource` walks every function the provider reaches with the SDK's closure serializer (an inspector session
 * and a TypeScript parse per function), which cost our four providers seconds of every `pulumi preview` and `up`.
 */
export class DynamicResource extends pulumi.CustomResource {
  constructor(provider: StoredProvider, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(`pulumi-nodejs:dynamic/phi3-foundry:${type}`, name, { ...props, [PROVIDER_CODE_KEY]: providerText(provider) }, opts);
  }
}
