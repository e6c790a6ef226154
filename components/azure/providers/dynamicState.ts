import type * as pulumi from "@pulumi/pulumi";

// What our dynamic providers' update and read share (their diff is dynamicDiff.ts). A resource's state is its inputs
// plus the keys only Azure reports (`outputOnly`).

/** The state after an update: the new inputs, with what Azure reported carried over from the old state. */
export function keepOutputs<O extends object>(olds: O, news: object, outputOnly: readonly (keyof O & string)[]): O {
  return { ...news, ...Object.fromEntries(outputOnly.map((key) => [key, olds[key]])) } as O;
}

/**
 * A provider's `read`: the state with what Azure reports now (`live`), or no resource (an empty id, which the engine
 * takes as deleted) when there is no state or Azure has no such resource.
 */
export function readState<O extends object>(id: string, props: O | undefined, live: Partial<O> | undefined): pulumi.dynamic.ReadResult<O> {
  return props && live ? { id, props: { ...props, ...live } } : { id: "", props: {} as O };
}
