/**
 * The one exit-code convention of every `npm run` command, and the way each command ends: its last words written out
 * in full before the process exits.
 */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** It was tried and failed: Azure, the endpoint, the Hub or the data said no, or time ran out. */
  failed: 1,
  /** Nothing was tried: a bad command line or setting (option, environment variable, stack setting). */
  usage: 2,
  /** Ended with Ctrl-C (SIGINT), as the shell reports a process it ended: 128 + 2. */
  interrupted: 130,
} as const;

/** The exit codes as every `--help` states them; `details` says what each means for one command. */
export function exitCodesHelp(details: { readonly failed?: string; readonly usage?: string } = {}): string {
  const more = (text?: string) => (text ? `: ${text}` : "");
  return [
    "Exit codes:",
    "  0    done",
    `  1    failed${more(details.failed)}`,
    `  2    bad command line or setting, nothing done${more(details.usage)}`,
    "  130  interrupted (Ctrl-C)",
    "",
  ].join("\n");
}

/** A command line, environment variable or setting that cannot be used: exit code 2, and nothing was done. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Errors that mean a bad command line or setting, by name: loading infra/config here would slow every command's start. */
const USAGE_ERRORS = new Set(["UsageError", "SettingsError", "SettingError", "ConfigError"]);

/**
 * The exit code for an error a command ends with: 2 for a bad command line or setting (a {@link UsageError}, the stack
 * files' SettingsError, prepare-data's SettingError, infra/config's ConfigError, and Node's parseArgs errors, whose codes start ERR_PARSE_ARGS_),
 * else 1.
 */
export function exitCodeFor(err: unknown): number {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  const usage = USAGE_ERRORS.has(String(name)) || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_"));
  return usage ? EXIT.usage : EXIT.failed;
}

/**
 * Exits with `code` once stdout and stderr have handed on everything written to them: process.exit alone drops what a
 * pipe has not yet taken (everything past the pipe's 64 KiB buffer).
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

/** Writes `text` to stderr and exits with `code` once it is all written. */
export function exitAfter(text: string, code: number): void {
  process.stderr.write(text);
  exitWhenFlushed(code);
}

/** A parseArgs error (Node's own TypeError, not an `instanceof Error` of every realm) as a usage error pointing at --help. */
export function usageFrom(err: unknown, command: string): UsageError {
  const raw = typeof (err as { message?: unknown })?.message === "string" ? (err as Error).message : String(err);
  const message = raw.replace(/\. To specify a positional argument.*$/s, "");
  return new UsageError(`${message} (npm run ${command} -- --help lists the options)`);
}

/** Runs a command's `main`, and ends the process with its exit code, or with the error it threw, named by `command`. */
export function runCommand(command: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? EXIT.ok;
    },
    (thrown: unknown) => {
      const code = (thrown as { code?: unknown } | undefined)?.code;
      const err = typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_") ? usageFrom(thrown, command) : thrown;
      exitAfter(`${command} failed: ${err instanceof Error ? err.message : String(err)}\n`, exitCodeFor(err));
    },
  );
}
