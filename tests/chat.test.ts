import { spawn } from "node:child_process";
import * as path from "node:path";
import { findEndpoint } from "../scripts/lib/endpointTarget";
import { chat, outputOf, ScoringError, scoringBody } from "../scripts/lib/scoringClient";
import { PROJECT_ROOT } from "../scripts/lib/stackFiles";
import { scoringStandIn } from "./support/scoringStandIn";

const FAST = { timeoutMs: 2000, attempts: 3, baseDelayMs: 5 };
const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

function run(script: string, args: string[], env: Record<string, string>, stdin?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(tsx, [script, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

describe("the scoring client", () => {
  it("sends the mission's body with the key as a bearer token and returns the output", async () => {
    const server = await scoringStandIn();
    try {
      const answer = await chat({ url: server.url, key: "k-123" }, [{ role: "user", content: "Who founded Microsoft?" }], undefined, FAST);
      expect(answer).toBe("echo: Who founded Microsoft?");
      expect(server.requests[0].body).toEqual({
        input_data: {
          input_string: [{ role: "user", content: "Who founded Microsoft?" }],
          parameters: { temperature: 0.7, max_new_tokens: 128 },
        },
      });
      expect(server.requests[0].headers.authorization).toBe("Bearer k-123");
      expect(server.requests[0].headers["content-type"]).toBe("application/json");
    } finally {
      await server.close();
    }
  });

  it("retries 429 and 5xx with backoff, then answers", async () => {
    const server = await scoringStandIn([{ status: 503 }, { status: 429, retryAfter: "0.01" }]);
    try {
      await expect(chat({ url: server.url, key: "k" }, [{ role: "user", content: "hi" }], undefined, FAST)).resolves.toBe("echo: hi");
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it.each([
    [401, /endpoint refused the key.*PHI3_ENDPOINT_KEY/],
    [404, /no endpoint or deployment answers.*servingEnabled/],
    [424, /model's container failed.*Logs/],
  ])("turns %i into a message a person can act on, without retrying", async (status, message) => {
    const server = await scoringStandIn([{ status }]);
    try {
      const error = await chat({ url: server.url, key: "k" }, [{ role: "user", content: "hi" }], undefined, FAST).catch((e) => e);
      expect(error).toBeInstanceOf(ScoringError);
      expect(error.message).toMatch(message);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("times out a request that does not answer, and gives up after its attempts", async () => {
    const server = await scoringStandIn([{ delayMs: 500 }, { delayMs: 500 }]);
    try {
      const options = { timeoutMs: 100, attempts: 2, baseDelayMs: 1 };
      await expect(chat({ url: server.url, key: "k" }, [{ role: "user", content: "hi" }], undefined, options)).rejects.toThrow(
        /gave up after 2 attempts: no answer within 0.1 s/,
      );
    } finally {
      await server.close();
    }
  });

  it("reads an output encoded once more as a JSON string, and refuses an answer without output", () => {
    expect(outputOf('{"output": "hello"}')).toBe("hello");
    expect(outputOf({ output: "hi" })).toBe("hi");
    expect(() => outputOf({ result: "x" })).toThrow(/without an "output" field/);
    expect(scoringBody([{ role: "user", content: "x" }], { temperature: 0.2, maxNewTokens: 5 })).toEqual({
      input_data: { input_string: [{ role: "user", content: "x" }], parameters: { temperature: 0.2, max_new_tokens: 5 } },
    });
  });
});

describe("findEndpoint", () => {
  it("prefers PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY, else reads the stack's outputs", async () => {
    const never = jest.fn();
    await expect(findEndpoint({ PHI3_ENDPOINT_URL: "https://e/score", PHI3_ENDPOINT_KEY: "k" }, never)).resolves.toEqual({ url: "https://e/score", key: "k" });
    expect(never).not.toHaveBeenCalled();
    const outputs = jest.fn(async () => JSON.stringify({ scoringUri: "https://s/score", endpointKey: "secret", other: 1 }));
    await expect(findEndpoint({}, outputs, "dev")).resolves.toEqual({ url: "https://s/score", key: "secret" });
    expect(outputs).toHaveBeenCalledWith("dev");
  });

  it("explains a half-set environment and a stack without serving outputs", async () => {
    await expect(findEndpoint({ PHI3_ENDPOINT_URL: "x" }, jest.fn())).rejects.toThrow(/set both/);
    await expect(findEndpoint({}, async () => "{}")).rejects.toThrow(/servingEnabled/);
  });
});

describe("npm run chat and npm run smoke (against a stand-in endpoint)", () => {
  it("answers one --message with the stand-in's output", async () => {
    const server = await scoringStandIn();
    try {
      const env = { PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "key-1" };
      const result = await run("scripts/chat.ts", ["--message", "Who founded Microsoft?", "--temperature", "0.2", "--max-new-tokens", "64"], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("echo: Who founded Microsoft?\n");
      expect(server.requests[0].body.input_data.parameters).toEqual({ temperature: 0.2, max_new_tokens: 64 });
      expect(server.requests[0].headers.authorization).toBe("Bearer key-1");
    } finally {
      await server.close();
    }
  });

  it("keeps the conversation in interactive mode, as input_string messages", async () => {
    const server = await scoringStandIn();
    try {
      const env = { PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" };
      const result = await run("scripts/chat.ts", [], env, "Hello\nAnd then?\n/exit\n");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("phi3> echo: Hello");
      expect(result.stdout).toContain("phi3> echo: And then?");
      expect(server.requests[1].body.input_data.input_string).toEqual([
        { role: "user", content: "Hello" },
        { role: "assistant", content: "echo: Hello" },
        { role: "user", content: "And then?" },
      ]);
    } finally {
      await server.close();
    }
  });

  it("smoke-checks: latency and answer, non-zero exit on failure", async () => {
    const server = await scoringStandIn();
    try {
      const ok = await run("scripts/smoke.ts", [], { PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^ok: \d+ ms\nQ: Who founded Microsoft\?\nA: echo: Who founded Microsoft\?\n$/);
    } finally {
      await server.close();
    }
    const refused = await scoringStandIn([{ status: 401 }]);
    try {
      const failed = await run("scripts/smoke.ts", [], { PHI3_ENDPOINT_URL: refused.url, PHI3_ENDPOINT_KEY: "bad" });
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toMatch(/smoke check failed: 401 Unauthorized/);
    } finally {
      await refused.close();
    }
  });
});
