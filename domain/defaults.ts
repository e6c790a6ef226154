/**
 * What a component works with: its args, with each default filled in where the arg is not set. Every key of the
 * defaults is then set (never undefined); the other args are as given.
 */
export type Resolved<A, D> = Omit<A, keyof D> & { readonly [K in keyof D]-?: K extends keyof A ? Exclude<A[K], undefined> : D[K] };

/**
 * `defaults` overridden by the args that are set: awsx's `{ ...defaults, ...args }`, except that an arg given as
 * `undefined` (an unset config value passed on) keeps its default instead of erasing it.
 */
export function withDefaults<A extends object, D extends { readonly [K in keyof D]: K extends keyof A ? Exclude<A[K], undefined> : never }>(
  defaults: D,
  args: A,
): Resolved<A, D> {
  const set = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
  return { ...defaults, ...set } as Resolved<A, D>;
}
