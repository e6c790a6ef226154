import * as pulumi from "@pulumi/pulumi";
import { azureMocks } from "../../scripts/plan/mockAzure";
import { withoutStackFrames } from "../../scripts/plan/mockRuntime";

/** The SDK's wire marker of a value unknown in a preview (sdk/nodejs/runtime/rpc.ts, unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One registration as it reaches the engine: inputs as sent on the wire (secrets unwrapped, unknowns as UNKNOWN). */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly ignoreChanges: string[];
  readonly inputs: Record<string, any>;
}

export interface EngineRun {
  readonly registrations: Registration[];
  /** Tokens of every function the program invoked (the engine calls the provider for each). */
  readonly invokes: string[];
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Unwraps secrets from the wire format, leaving every other value (and the unknown marker) as sent. */
function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    if (value[SIG_KEY] === SECRET_SIG) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/**
 * Runs `program` under the mock runtime as `pulumi preview` (`preview: true`, so `isDryRun()` is true) or as the
 * update of `pulumi up` runs it, and records what the engine would receive: each registration with its ignoreChanges,
 * and each invoke.
 */
export async function runAsEngine(preview: boolean, program: () => unknown): Promise<EngineRun> {
  const invokes: string[] = [];
  const registrations: Registration[] = [];
  pulumi.runtime.setAllConfig({}, []);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => azureMocks.newResource(args),
      call: (args) => {
        invokes.push(args.token);
        return azureMocks.call(args);
      },
    },
    "phi3-foundry",
    "test",
    preview,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: any, callback: (err: unknown, res: any) => void): void };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      ignoreChanges: req.getIgnorechangesList(),
      inputs: unwrapSecrets(req.getObject()?.toJavaScript() ?? {}),
    });
    register(req, callback);
  };
  await withoutStackFrames(async () => {
    await pulumi.runtime.runInPulumiStack(async () => {
      program();
      return {};
    });
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
  });
  return { registrations, invokes };
}
