/**
 * Runs the stack the way `pulumi up` starts it: Pulumi's own entry, `@pulumi/pulumi/cmd/run`, with the arguments and
 * environment the Node.js language host gives it (pulumi-language-nodejs main.go: `constructArguments` puts --monitor,
 * --project, --root-directory, --stack and --pwd, the program directory, before the entry point "."; the config is the
 * JSON of PULUMI_CONFIG). The caller adds what the host derives from Pulumi.yaml (scripts/shared/stackFiles.ts
 * `languageHostEnvironment`). cmd/run then does what it does under the engine: OpenTelemetry's set-up, source-map-support,
 * V8's inspector hooks, and run(), which finds package.json's "main" from --pwd.
 *
 * There is no engine here: the resource monitor is Pulumi's mock monitor (monitor address "mock"), set up before
 * cmd/run loads, so the SDK's runtime settings load a moment earlier than under the engine. Azure is whatever the
 * stack's config and environment point at.
 * argv[2]: JSON of the stack config. Prints one JSON line at exit: how the program loaded and what it registered.
 */
const path = require("path");

const root = path.resolve(__dirname, "..", "..");
const sdk = (file) => require.resolve(`@pulumi/pulumi/${file}`, { paths: [root] });

process.env.PULUMI_CONFIG = process.argv[2] ?? "{}";
process.env.PULUMI_CONFIG_SECRET_KEYS = "[]";

const { setMocks } = require(sdk("runtime/mocks"));
const { getMonitor } = require(sdk("runtime/settings"));

const project = "phi3-foundry";
const stack = "dev";
const registered = [];
setMocks(
  {
    newResource(args) {
      registered.push(args.type);
      const result = args.type === "random:index/randomString:RandomString" ? { result: "abc123" } : {};
      return { id: `${args.name}-id`, state: { ...args.inputs, name: args.name, ...result } };
    },
    call(args) {
      if (args.token === "azure-native:authorization:getClientConfig") {
        return { subscriptionId: process.env.ARM_SUBSCRIPTION_ID, tenantId: process.env.ARM_TENANT_ID, clientId: process.env.ARM_CLIENT_ID, objectId: "object" };
      }
      return {};
    },
  },
  project,
  stack,
  false,
);

// cmd/run asks the monitor to shut down once the program is done; the engine answers, and so does this stand-in.
getMonitor().signalAndWaitForShutdown = (_request, callback) => callback(null, {});

const started = process.hrtime.bigint();
process.on("exit", () => {
  const loaded = Object.keys(require.cache);
  const inPackage = (name) => loaded.some((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`));
  const stackResource = [...getMonitor().getRegisteredResources().values()].find((r) => r.urn.endsWith(`::${project}-${stack}`));
  process.stdout.write(
    JSON.stringify({
      cwd: process.cwd(),
      tsNode: inPackage("ts-node") || loaded.some((file) => file.includes(`${path.sep}vendor${path.sep}ts-node`)),
      typescriptCompiler: inPackage("typescript"),
      sourceMapSupport: inPackage("source-map-support"),
      stackTracesMapped: Error.prepareStackTrace !== undefined,
      programFiles: loaded.filter((file) => file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`)).map((file) => path.relative(root, file).split(path.sep).join("/")),
      registered,
      outputs: Object.keys(stackResource?.state?.toJavaScript?.() ?? {}),
      totalMs: Number(process.hrtime.bigint() - started) / 1e6,
    }) + "\n",
  );
});

// A program that fails leaves Pulumi's handlers waiting; the caller's budget is the limit.
setTimeout(() => {
  process.stderr.write("the program did not finish in 60 s\n");
  process.exit(2);
}, 60_000).unref();

const entry = sdk("cmd/run/index.js");
process.argv = [process.argv[0], entry, "--monitor", "mock", "--project", project, "--root-directory", root, "--stack", stack, "--pwd", path.join(root, "infra"), "."];
require(entry);
