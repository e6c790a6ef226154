import { retirementMessage, vmSizeRetirement } from "../domain/catalogue/retirements";
import { GPU_VM_SIZES, gpuVmSize } from "../domain/catalogue/vmSizes";
import { shortened } from "../domain/shortened";
import { ConfigKey, LOCATION_KEY, qualifiedKey, RawConfig } from "./configKeys";

/**
 * How config is read and refused: one problem per wrong key (the key, its value, what is allowed), all reported
 * together in one ConfigError, and the Reader that checks keys one at a time and records every problem.
 */

/** One wrong setting: the key, the value it had, and what is allowed. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: string | undefined;
  readonly allowed: string;
  /** A key the project does not have: shown without its value, which may be a secret. */
  readonly unknown?: true;
}

/** Every wrong setting of a stack, reported together. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** `phi3-foundry:key = "value": what is allowed`, as a problem is shown. */
export function formatProblem(p: ConfigProblem): string {
  if (p.unknown) return `${qualifiedKey(p.key)}: ${p.allowed}`;
  const value = p.value === undefined || p.value === "" ? "(not set)" : shortened(JSON.stringify(p.value));
  return `${qualifiedKey(p.key)} = ${value}: ${p.allowed}`;
}

/** Reads keys one at a time and records every problem instead of stopping at the first. */
export class Reader {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly raw: RawConfig) {}

  fail(key: string, allowed: string): void {
    this.problems.push({ key, value: this.raw[key as ConfigKey], allowed });
  }

  /** A required string matching `pattern`; returns "" when missing or wrong (the error is recorded). */
  text(key: ConfigKey | typeof LOCATION_KEY, pattern: RegExp, allowed: string): string {
    const value = this.raw[key]?.trim();
    if (value === undefined || value === "" || !pattern.test(value)) {
      this.fail(key, allowed);
      return "";
    }
    return value;
  }

  optionalText(key: ConfigKey, check: (value: string) => string | undefined): string | undefined {
    const value = this.raw[key]?.trim();
    if (value === undefined || value === "") return undefined;
    const problem = check(value);
    if (problem) this.fail(key, problem);
    return problem ? undefined : value;
  }

  whole(key: ConfigKey, min: number, max: number): number {
    const value = this.raw[key]?.trim();
    const parsed = value !== undefined && /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.fail(key, `a whole number from ${min} to ${max}`);
      return min;
    }
    return parsed;
  }

  /** A number in (min, max], or [min, max] when `includeMin`. */
  decimal(key: ConfigKey, min: number, max: number, includeMin = false): number {
    const value = this.raw[key]?.trim();
    const parsed = value !== undefined && /^\d*\.?\d+(e-?\d+)?$/i.test(value) ? Number(value) : NaN;
    if (!((includeMin ? parsed >= min : parsed > min) && parsed <= max)) {
      this.fail(key, `a number ${includeMin ? "from" : "greater than"} ${min}${includeMin ? " to" : " and at most"} ${max}`);
      return max;
    }
    return parsed;
  }

  /** A GPU VM size the stack knows (its vCPUs, GPUs and quota family). */
  gpuSize(key: ConfigKey): string {
    const value = this.raw[key]?.trim() ?? "";
    const size = gpuVmSize(value);
    const retired = vmSizeRetirement(value);
    if (!size) {
      this.fail(key, retired ? retirementMessage(retired) : `a GPU VM size Azure ML supports: ${GPU_VM_SIZES.map((s) => s.name).join(", ")}`);
      return "";
    }
    return size.name;
  }

  /** `fallback` when the key is unset or "", else what `parse` makes of it. */
  orDefault<T>(key: ConfigKey, fallback: T, parse: () => T): T {
    const value = this.raw[key]?.trim();
    return value === undefined || value === "" ? fallback : parse();
  }

  flag(key: ConfigKey): boolean {
    const value = this.raw[key]?.trim();
    if (value !== "true" && value !== "false") {
      this.fail(key, "true or false");
      return false;
    }
    return value === "true";
  }

  oneOf<T extends string>(key: ConfigKey, allowed: readonly T[]): T {
    const value = this.raw[key]?.trim();
    if (!allowed.includes(value as T)) {
      this.fail(key, `one of ${allowed.join(", ")}`);
      return allowed[0];
    }
    return value as T;
  }
}
