/**
 * The rules of Prompt flow's Flow schema (Flow.schema.json and promptflow's own flow schema, _sdk/schemas/_flow.py)
 * for a DAG chat flow, as a checker: it returns every problem it finds.
 */
const TOP_LEVEL = [
  "$schema", "additional_includes", "description", "display_name", "environment", "environment_variables",
  "inputs", "language", "node_variants", "nodes", "outputs", "tags", "type",
];
const VALUE_TYPES = [
  "int", "double", "bool", "string", "secret", "prompt_template", "list", "object", "file_path", "image", "assistant_definition",
];
const INPUT_KEYS = ["type", "description", "default", "is_chat_input", "is_chat_history"];
const OUTPUT_KEYS = ["type", "reference", "description", "is_chat_output"];

export function flowProblems(flow: any): string[] {
  const problems: string[] = [];
  if (!flow || typeof flow !== "object") return ["the flow is not a mapping"];
  for (const key of Object.keys(flow)) if (!TOP_LEVEL.includes(key)) problems.push(`unknown top-level key '${key}'`);

  const inputs = flow.inputs ?? {};
  for (const [name, input] of Object.entries<any>(inputs)) {
    if (!VALUE_TYPES.includes(input?.type)) problems.push(`inputs.${name}.type '${input?.type}' is not a value type`);
    for (const key of Object.keys(input ?? {})) if (!INPUT_KEYS.includes(key)) problems.push(`inputs.${name}: unknown key '${key}'`);
  }
  const outputs = flow.outputs ?? {};
  for (const [name, output] of Object.entries<any>(outputs)) {
    if (!VALUE_TYPES.includes(output?.type)) problems.push(`outputs.${name}.type '${output?.type}' is not a value type`);
    for (const key of Object.keys(output ?? {})) if (!OUTPUT_KEYS.includes(key)) problems.push(`outputs.${name}: unknown key '${key}'`);
  }

  const nodes: any[] = Array.isArray(flow.nodes) ? flow.nodes : [];
  if (nodes.length === 0) problems.push("no nodes");
  const nodeNames = new Set(nodes.map((n) => n?.name));
  for (const node of nodes) {
    if (typeof node?.name !== "string") problems.push("a node without a name");
    if (!["python", "llm", "prompt", "custom_llm"].includes(node?.type)) problems.push(`node ${node?.name}: type '${node?.type}'`);
    if (node?.type === "python" && (node.source?.type !== "code" || typeof node.source?.path !== "string")) {
      problems.push(`node ${node.name}: a python node needs source {type: code, path}`);
    }
    for (const [input, value] of Object.entries<any>(node?.inputs ?? {})) {
      const ref = typeof value === "string" ? /^\$\{(inputs|[\w-]+)\.([\w-]+)\}$/.exec(value) : null;
      if (ref && ref[1] === "inputs" && !(ref[2] in inputs)) problems.push(`node ${node.name}: ${input} refers to unknown input ${ref[2]}`);
      if (ref && ref[1] !== "inputs" && !nodeNames.has(ref[1])) problems.push(`node ${node.name}: ${input} refers to unknown node ${ref[1]}`);
    }
  }
  for (const [name, output] of Object.entries<any>(outputs)) {
    const ref = /^\$\{([\w-]+)\.output\}$/.exec(output?.reference ?? "");
    if (!ref || !nodeNames.has(ref[1])) problems.push(`outputs.${name}.reference '${output?.reference}' names no node's output`);
  }

  // A chat flow needs chat input, chat history and chat output (promptflow docs, "Develop a chat flow").
  const flagged = (map: Record<string, any>, flag: string) => Object.values(map).filter((v) => v?.[flag] === true).length;
  if (flagged(inputs, "is_chat_input") !== 1) problems.push("a chat flow needs exactly one input with is_chat_input: true");
  if (flagged(inputs, "is_chat_history") !== 1) problems.push("a chat flow needs exactly one input with is_chat_history: true");
  if (flagged(outputs, "is_chat_output") !== 1) problems.push("a chat flow needs exactly one output with is_chat_output: true");
  return problems;
}
