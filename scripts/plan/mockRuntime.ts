import * as pulumi from "@pulumi/pulumi";
import { azureMocks } from "./mockAzure";
import { mockMonitor, waitForRegistrations, wireSignatures, withoutSourcePositions } from "./pulumiInternals";
import { SECRET_PLACEHOLDER, StackSettings } from "../shared/stackFiles";

/** One resource as the program registered it with the engine (here, the mock monitor). */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent: string | null;
  /** Every resource the engine would wait for: input dependencies and explicit `dependsOn`. */
  readonly dependsOn: string[];
  readonly id: string | null;
  /** Inputs as registered; secrets as "[secret]", resource references as their URN. */
  readonly inputs: Record<string, unknown>;
  /** The resource options the engine receives, where they differ from the defaults. */
  readonly options: RecordedOptions;
}

/**
 * The resource options of a registration that change how the engine treats the resource (what it keeps secret,
 * protects, ignores, replaces or leaves behind, and which provider it uses); absent where the default applies.
 */
export interface RecordedOptions {
  readonly additionalSecretOutputs?: string[];
  readonly protect?: true;
  readonly ignoreChanges?: string[];
  readonly deleteBeforeReplace?: true;
  readonly replaceOnChanges?: string[];
  readonly retainOnDelete?: true;
  /** The provider reference (`<urn>::<id>`) of a resource given an explicit provider. */
  readonly provider?: string;
}

/** The options of a RegisterResourceRequest (proto/resource.proto) that differ from the engine's defaults. */
function recordedOptions(req: any): RecordedOptions {
  const list = (values: string[]) => (values.length > 0 ? [...values].sort() : undefined);
  const options: Record<string, unknown> = {
    additionalSecretOutputs: list(req.getAdditionalsecretoutputsList()),
    protect: req.getProtect() ? true : undefined,
    ignoreChanges: list(req.getIgnorechangesList()),
    deleteBeforeReplace: req.getDeletebeforereplace() ? true : undefined,
    replaceOnChanges: list(req.getReplaceonchangesList()),
    retainOnDelete: req.getRetainondelete() ? true : undefined,
    provider: req.getProvider() || undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as RecordedOptions;
}

export interface MockRun {
  readonly resources: RecordedResource[];
  /** Stack outputs; secrets as "[secret]". */
  readonly outputs: Record<string, unknown>;
}

/** What the program told the engine with `pulumi.log` while it ran. */
export interface ProgramMessage {
  readonly severity: "info" | "warning";
  readonly text: string;
}

/**
 * With no engine (as under mocks), `pulumi.log` prints `info: [runtime] ...` and `warning: [runtime] ...` to the
 * console; the engine would show them as the program's diagnostics. Collects them instead while `run` runs, so that
 * stdout stays the plan's alone.
 */
async function collectingLogs<T>(messages: ProgramMessage[], run: () => Promise<T>): Promise<T> {
  const original = { log: console.log, warn: console.warn };
  const capture = (severity: ProgramMessage["severity"], fallback: (...args: unknown[]) => void) => (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    const prefix = `${severity}: [runtime] `;
    if (text.startsWith(prefix)) messages.push({ severity, text: text.slice(prefix.length) });
    else fallback(...args);
  };
  console.log = capture("info", original.log);
  console.warn = capture("warning", original.warn);
  try {
    return await run();
  } finally {
    console.log = original.log;
    console.warn = original.warn;
  }
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** Turns a serialized property value into plain JSON, hiding secrets. */
function plain(value: unknown, sig = wireSignatures()): unknown {
  if (Array.isArray(value)) return value.map((v) => plain(v, sig));
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const marker = record[sig.key];
    if (marker === sig.secret) return SECRET_PLACEHOLDER;
    if (marker === sig.resource) return record.urn;
    if (marker === sig.outputValue) return record.secret ? SECRET_PLACEHOLDER : plain(record.value, sig);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v, sig)]));
  }
  return value;
}

/** What the plan records for a dynamic resource's provider: DESIGN.md's plan contract names it, never prints it. */
const PROVIDER_CODE_PLACEHOLDER = "[dynamic provider code]";

/** A dynamic resource's provider is code, not configuration: the plan names it instead of printing it. */
function withoutProviderCode(inputs: Record<string, unknown>): Record<string, unknown> {
  return "__provider" in inputs ? { ...inputs, __provider: PROVIDER_CODE_PLACEHOLDER } : inputs;
}

/** Resolves an output (or a plain value) to plain JSON, with "[secret]" wherever a secret sits. */
async function resolve(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    if (await pulumi.isSecret(output)) return SECRET_PLACEHOLDER;
    return resolve(await new Promise((settle) => output.apply(settle)));
  }
  if (value && typeof value === "object" && typeof (value as Promise<unknown>).then === "function") return resolve(await value);
  if (Array.isArray(value)) return Promise.all(value.map(resolve));
  if (value && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * Runs `run` with no stack frames recorded. The SDK records a stack trace on every promise it makes, for the engine's
 * leak report, and one of unlimited depth for every resource (where the program created it), neither of which the plan
 * shows; without frames they cost nothing (under Jest each frame was source-mapped, half of a plan's time). Errors the
 * program throws keep their messages.
 */
export async function withoutStackFrames<T>(run: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await withoutSourcePositions(run);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Runs a Pulumi program under the mock runtime with the given stack settings, inside a root stack resource as the
 * CLI would, and records every resource registration the engine would receive.
 */
export async function runUnderMocks(
  settings: StackSettings,
  program: () => Promise<Record<string, unknown>>,
  messages: ProgramMessage[] = [],
): Promise<MockRun> {
  pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);
  await pulumi.runtime.setMocks(azureMocks, settings.project, settings.stack, false);

  const monitor = mockMonitor();
  // URNs as the engine makes them: the type chain of every ancestor but the root stack.
  monitor.newUrn = (parent, type, name) => {
    const parentType = parent ? parent.split("::")[2] : ROOT_STACK_TYPE;
    const qualified = parentType === ROOT_STACK_TYPE ? type : `${parentType}$${type}`;
    return `urn:pulumi:${settings.stack}::${settings.project}::${qualified}::${name}`;
  };
  const resources: RecordedResource[] = [];
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, res) => {
      if (!err) {
        resources.push({
          urn: res.getUrn(),
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          parent: req.getParent() || null,
          dependsOn: [...new Set<string>(req.getDependenciesList())].sort(),
          id: res.getId() || null,
          inputs: withoutProviderCode(plain(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>),
          options: recordedOptions(req),
        });
      }
      callback(err, res);
    });

  let outputs: Record<string, unknown> = {};
  let failure: unknown;
  await withoutStackFrames(() => collectingLogs(messages, async () => {
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        outputs = (await resolve(await program())) as Record<string, unknown>;
      } catch (err) {
        failure = err; // the CLI reports a failing program; here the caller does
      }
      return outputs;
    });
    // Wait until every registration still in flight has reached the monitor.
    await waitForRegistrations();
  }));
  if (failure !== undefined) throw failure;
  return { resources, outputs };
}
