import { MockRun, RecordedResource, runUnderMocks } from "../scripts/plan/mockRuntime";

/** Runs `program` (which creates components) under the mock runtime of a bare test stack. */
export function runProgram(program: () => unknown, config: Record<string, string> = {}): Promise<MockRun> {
  return runUnderMocks({ project: "phi3-foundry", stack: "test", config, secretKeys: [] }, async () => {
    program();
    return {};
  });
}

/** The resources of one type token. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The one resource of a type token; fails the test when there are none or several. */
export function single(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The one resource with this logical name. */
export function named(resources: readonly RecordedResource[], name: string): RecordedResource {
  const found = resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
}

/** Reads a nested input by dotted path, e.g. `properties.properties.scaleSettings`. */
export function input(resource: RecordedResource, path: string): any {
  return path.split(".").reduce<any>((value, key) => (value == null ? undefined : value[key]), resource.inputs);
}
