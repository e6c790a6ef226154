/**
 * Runs the stack the way `pulumi up` starts it: Pulumi's own language-host entry (`@pulumi/pulumi/cmd/run`, with --pwd
 * infra/ and the entry point "." as the engine sets them for `main: infra/`, so that it finds package.json's "main"),
 * in the environment the Node.js language host makes from Pulumi.yaml (the caller passes PULUMI_NODEJS_TYPESCRIPT as
 * scripts/shared/stackFiles.ts `languageHostEnvironment` says). The resource monitor is Pulumi's mock monitor (there is
 * no engine here); Azure is whatever the stack's config and environment point at.
 * argv[2]: JSON of the stack config; prints one JSON line: how the program loaded and what it registered.
 */
const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [root] }));
// cmd/run/index.js is the command line around run(): it parses the engine's flags and starts run() on import. Only
// its exit-code constant is used by run.js, so it is stood in for; run() itself is Pulumi's.
const cliPath = require.resolve("@pulumi/pulumi/cmd/run/index.js", { paths: [root] });
require.cache[cliPath] = { id: cliPath, filename: cliPath, loaded: true, children: [], exports: { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 } };
const { run } = require(require.resolve("@pulumi/pulumi/cmd/run/run", { paths: [root] }));

const config = JSON.parse(process.argv[2] ?? "{}");
const subscriptionId = process.env.ARM_SUBSCRIPTION_ID;
const registered = [];
const mocks = {
  newResource(args) {
    registered.push(args.type);
    const result = args.type === "random:index/randomString:RandomString" ? { result: "abc123" } : {};
    return { id: `${args.name}-id`, state: { ...args.inputs, name: args.name, ...result } };
  },
  call(args) {
    if (args.token === "azure-native:authorization:getClientConfig") {
      return { subscriptionId, tenantId: process.env.ARM_TENANT_ID, clientId: process.env.ARM_CLIENT_ID, objectId: "object" };
    }
    return {};
  },
};

async function main() {
  pulumi.runtime.setAllConfig(config, []);
  await pulumi.runtime.setMocks(mocks, "phi3-foundry", "dev", false);
  const started = process.hrtime.bigint();
  let loadedMs;
  const outputs = await run({ _: ["."], pwd: path.join(root, "infra") }, () => (loadedMs = Number(process.hrtime.bigint() - started) / 1e6), () => {}, () => false);
  await require(require.resolve("@pulumi/pulumi/runtime/settings", { paths: [root] })).waitForRPCs();
  const loaded = Object.keys(require.cache);
  const tsNode = loaded.some((file) => file.includes(`${path.sep}ts-node`));
  const programFiles = loaded.filter((file) => file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`)).map((file) => path.relative(root, file).split(path.sep).join("/"));
  process.stdout.write(
    JSON.stringify({ cwd: process.cwd(), tsNode, programFiles, registered, outputs: Object.keys(outputs ?? {}), totalMs: Number(process.hrtime.bigint() - started) / 1e6, loadedMs }) + "\n",
  );
}

// A program that fails leaves Pulumi's handlers waiting; the caller's budget is the limit.
setTimeout(() => {
  process.stderr.write("the program did not finish in 60 s\n");
  process.exit(2);
}, 60_000).unref();

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
