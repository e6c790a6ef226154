/**
 * Every part of @pulumi/pulumi's internals that the mock runtime (and so the plan and every component test) reaches
 * past the SDK's public API, in one place. An SDK upgrade that moves or changes one of them fails
 * {@link checkPulumiInternals} with a message that names it, instead of breaking the plan without saying why.
 */
import * as pulumi from "@pulumi/pulumi";

/** The @pulumi/pulumi release these hooks were written against (package.json pins it). */
export const PULUMI_SDK_VERSION = "3.248.0";

/** The wire format's markers for secrets, resource references and output values (sdk/nodejs/runtime/rpc.ts). */
export interface WireSignatures {
  readonly key: string;
  readonly secret: string;
  readonly resource: string;
  readonly outputValue: string;
}

interface RpcModule {
  specialSigKey: string;
  specialSecretSig: string;
  specialResourceSig: string;
  specialOutputValueSig: string;
}

interface SettingsModule {
  waitForRPCs(): Promise<void>;
}

/** The mock monitor's methods the mock runtime overrides (sdk/nodejs/runtime/mocks.ts MockMonitor). */
export interface MockMonitor {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: any, callback: (err: unknown, res: any) => void): void;
}

/** The getters of a RegisterResourceRequest (proto/resource.proto) that the mock runtime records. */
export const REGISTER_REQUEST_GETTERS = [
  "getType",
  "getName",
  "getCustom",
  "getParent",
  "getDependenciesList",
  "getObject",
  "getAdditionalsecretoutputsList",
  "getProtect",
  "getIgnorechangesList",
  "getDeletebeforereplace",
  "getReplaceonchangesList",
  "getRetainondelete",
  "getProvider",
] as const;

const rpc = () => require("@pulumi/pulumi/runtime/rpc") as RpcModule;
const settings = () => require("@pulumi/pulumi/runtime/settings") as SettingsModule;

/** The wire format's signatures, as the installed SDK defines them. */
export function wireSignatures(): WireSignatures {
  const { specialSigKey, specialSecretSig, specialResourceSig, specialOutputValueSig } = rpc();
  return { key: specialSigKey, secret: specialSecretSig, resource: specialResourceSig, outputValue: specialOutputValueSig };
}

/** The mock monitor `setMocks` installed. */
export function mockMonitor(): MockMonitor {
  return pulumi.runtime.getMonitor() as unknown as MockMonitor;
}

/**
 * Runs `run` with the SDK's `Resource.callsites` answering no frames, and puts it back afterwards. Every resource
 * records where the program created it (RegisterResourceRequest's sourcePosition and stackTrace, for the engine's
 * diagnostics) from a stack trace of unlimited depth, which the plan never shows; under Jest each frame was
 * source-mapped.
 */
export async function withoutSourcePositions<T>(run: () => Promise<T>): Promise<T> {
  const resource = pulumi.Resource as unknown as { callsites(): unknown[] };
  const callsites = resource.callsites;
  resource.callsites = () => [];
  try {
    return await run();
  } finally {
    resource.callsites = callsites;
  }
}

/** Resolves once every registration still in flight has reached the monitor. */
export function waitForRegistrations(): Promise<void> {
  return settings().waitForRPCs();
}

/**
 * What is wrong between the installed SDK and these hooks, one line each; empty when they fit. The installed version
 * is compared with {@link PULUMI_SDK_VERSION}, and each hook is looked for where this module reaches it.
 */
export function pulumiInternalsProblems(installed: string = require("@pulumi/pulumi/package.json").version): string[] {
  const problems: string[] = [];
  if (installed !== PULUMI_SDK_VERSION) {
    problems.push(
      `@pulumi/pulumi ${installed} is installed, but scripts/plan/pulumiInternals.ts was written for ${PULUMI_SDK_VERSION}: ` +
        "check each hook it lists against the new SDK, then update PULUMI_SDK_VERSION",
    );
  }
  const signatures = wireSignatures();
  for (const [name, value] of Object.entries(signatures)) {
    if (typeof value !== "string" || !/^[0-9a-f]{32}$/.test(value)) problems.push(`runtime/rpc no longer exports the wire signature '${name}'`);
  }
  if (typeof (pulumi.Resource as unknown as { callsites?: unknown }).callsites !== "function") problems.push("Resource no longer has the static callsites");
  if (typeof settings().waitForRPCs !== "function") problems.push("runtime/settings no longer exports waitForRPCs");
  return problems;
}

/** Throws with every problem {@link pulumiInternalsProblems} finds. */
export function checkPulumiInternals(): void {
  const problems = pulumiInternalsProblems();
  if (problems.length > 0) throw new Error(`the mock runtime does not fit the installed Pulumi SDK:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}
