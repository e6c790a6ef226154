/**
 * Loads two parts of @pulumi/pulumi when they are first used instead of when the SDK starts: its automation API and its
 * closure serializer. The SDK's index and its runtime's index require both eagerly, and the serializer brings the
 * TypeScript compiler and npm's arborist: about 0.6 s of every start of the stack, three quarters of the SDK's own load.
 * The stack never calls either: our custom resources store their providers bundled (components/azure/providers/
 * dynamicResource.ts) and nothing drives Pulumi through automation. Whatever does use them still gets them: the first
 * read of the automation API, or the first call of a serializer function, loads the real module.
 *
 * `pulumi up` (scripts/tooling/stackEntry.cjs) and `npm run plan` install this before anything requires the SDK's index.
 * If an SDK upgrade moves these requires, nothing matches and the SDK loads as it always did, only slower;
 * tests/sdkOnDemand.test.ts names what moved.
 */
const Module = require("node:module");
const path = require("node:path");

/**
 * The requires deferred, by the SDK file that makes them (relative to the package). `functions`: the exports that file
 * reads from the module as it loads, handed out as functions that load the module when called; any other read loads it.
 */
const DEFERRED_SDK_REQUIRES = [
  { from: "index.js", request: "./automation", functions: [] },
  { from: "runtime/index.js", request: "./closure/serializeClosure", functions: ["serializeFunctionAsync", "serializeFunction"] },
  { from: "runtime/index.js", request: "./closure/codePaths", functions: ["computeCodePaths"] },
];

const SDK_DIR = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

/** The deferred require that `parent` (a module of any installed copy of the SDK) makes with `request`, if it is one. */
function deferredRequire(request, parent) {
  const file = parent?.filename;
  const at = file ? file.lastIndexOf(SDK_DIR) : -1;
  if (at < 0) return undefined;
  const from = file.slice(at + SDK_DIR.length).split(path.sep).join("/");
  return DEFERRED_SDK_REQUIRES.find((d) => d.from === from && d.request === request);
}

/** A stand-in for a module's exports that loads the module (`load()`) on first use. */
function onDemand(load, functions) {
  let loaded;
  const real = () => (loaded ??= load());
  return new Proxy(
    {},
    {
      // __esModule: TypeScript's __importStar hands the object on as it is, without reading every export.
      get: (_target, key) =>
        key === "__esModule" ? true : !loaded && functions.includes(key) ? (...args) => real()[key](...args) : Reflect.get(real(), key),
      has: (_target, key) => Reflect.has(real(), key),
      ownKeys: () => Reflect.ownKeys(real()),
      // Reported configurable: the stand-in's own (empty) target does not have the property.
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

let installed = false;

/** Installs the deferral in this process's module loader; a second call does nothing. */
function loadSdkPartsOnDemand() {
  if (installed) return;
  installed = true;
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const deferred = deferredRequire(request, parent);
    if (deferred) return onDemand(() => load.call(this, request, parent, isMain), deferred.functions);
    return load.apply(this, arguments);
  };
}

module.exports = { DEFERRED_SDK_REQUIRES, loadSdkPartsOnDemand };
