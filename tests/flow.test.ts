import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { FLOW_DIRECTORY } from "../infra/program";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";
import { flowProblems } from "./support/flowSchema";

const flowDir = path.join(PROJECT_ROOT, FLOW_DIRECTORY);
const flow = yaml.load(fs.readFileSync(path.join(flowDir, "flow.dag.yaml"), "utf8")) as any;

describe("flows/phi3-chat/flow.dag.yaml", () => {
  it("follows Prompt flow's Flow schema as a chat flow", () => {
    expect(flowProblems(flow)).toEqual([]);
    expect(flow.$schema).toBe("https://azuremlschemas.azureedge.net/promptflow/latest/Flow.schema.json");
  });

  it("has a chat input, a chat history and a chat answer, from one Python node", () => {
    expect(flow.inputs.question).toMatchObject({ type: "string", is_chat_input: true });
    expect(flow.inputs.chat_history).toMatchObject({ type: "list", is_chat_history: true });
    expect(flow.outputs.answer).toEqual({ type: "string", reference: "${call_phi3.output}", is_chat_output: true });
    expect(flow.nodes).toHaveLength(1);
    expect(flow.nodes[0].inputs).toMatchObject({ question: "${inputs.question}", chat_history: "${inputs.chat_history}" });
  });

  it("uses the connection the stack creates, and ships its tool and requirements", () => {
    // The Custom keys connection's name, as the README gives it (foundry.test.ts holds the stack to the same name).
    expect(flow.nodes[0].inputs.connection).toBe("phi3-endpoint");
    expect(fs.existsSync(path.join(flowDir, flow.nodes[0].source.path))).toBe(true);
    expect(fs.existsSync(path.join(flowDir, flow.environment.python_requirements_txt))).toBe(true);
  });

  it("would be caught breaking the schema", () => {
    const broken = { ...flow, inputs: { question: { type: "text" } }, extra: 1 };
    expect(flowProblems(broken)).toEqual(
      expect.arrayContaining([
        "unknown top-level key 'extra'",
        "inputs.question.type 'text' is not a value type",
        "a chat flow needs exactly one input with is_chat_history: true",
      ]),
    );
  });
});

const python = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;

(python ? describe : describe.skip)("the flow's Python tool (python3 unittest, local stand-in endpoint)", () => {
  it("passes its tests", () => {
    const run = spawnSync(python!, ["-m", "unittest", "discover", "-s", "tests", "-v"], { cwd: flowDir, encoding: "utf8" });
    expect(run.stderr).toMatch(/Ran [1-9]\d* tests/);
    expect(run.stderr).toMatch(/\nOK\n/);
    expect(run.status).toBe(0);
  });
});
