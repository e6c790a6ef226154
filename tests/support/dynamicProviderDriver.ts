/**
 * Drives our dynamic resources the way the Pulumi engine does: the `__provider` text a resource stores
 * (components/azure/providers/dynamicResource.ts `providerText`), loaded by the SDK's dynamic-provider server
 * (`@pulumi/pulumi/cmd/dynamic-provider`) in a child process, and called over gRPC (Configure, Check, Diff, Create,
 * Read, Update, Delete).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { endAfterTests } from "./childProcesses";

const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerProto = require(path.join(sdk, "proto/provider_pb"));
const providerRpc = require(path.join(sdk, "proto/provider_grpc_pb"));
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

export const PROVIDER_KEY = "__provider";

export type Props = Record<string, unknown>;

export interface DiffAnswer {
  readonly changes: "none" | "some" | "unknown";
  readonly replaces: string[];
}

export class DynamicProviderDriver {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    readonly stderr: string[],
  ) {}

  /** Starts the SDK's dynamic-provider server with `env` (the stack's environment: credentials, CA certificates). */
  static async start(env: Record<string, string | undefined>): Promise<DynamicProviderDriver> {
    const child = endAfterTests(
      spawn(process.execPath, [path.join(sdk, "cmd/dynamic-provider/index.js"), "127.0.0.1:1"], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const stderr: string[] = [];
    child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dynamic-provider server did not start: ${stderr.join("")}`)), 20_000);
      child.stdout!.once("data", (chunk: Buffer) => {
        clearTimeout(timer);
        resolve(chunk.toString().trim());
      });
      child.once("exit", (code) => reject(new Error(`dynamic-provider server exited ${code}: ${stderr.join("")}`)));
    });
    const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new DynamicProviderDriver(child, client, stderr);
  }

  async stop(): Promise<void> {
    this.client.close();
    // Still running: neither exited nor killed (after a file's tests, tests/support/childProcesses.ts may be first).
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill();
      await exited;
    }
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
      this.client[method](request, (err: grpc.ServiceError | null, response: T) => (err ? reject(new Error(err.details || err.message)) : resolve(response))),
    );
  }

  /** Configure with the stack's config, keyed `namespace:key`, as the engine sends it. */
  async configure(config: Record<string, string>): Promise<void> {
    const request = new providerProto.ConfigureRequest();
    request.setArgs(Struct.fromJavaScript(config));
    await this.call("configure", request);
  }

  async check(urn: string, olds: Props, news: Props): Promise<Props> {
    const request = new providerProto.CheckRequest();
    request.setUrn(urn);
    request.setOlds(Struct.fromJavaScript(olds));
    request.setNews(Struct.fromJavaScript(news));
    const response = await this.call<any>("check", request);
    return response.getInputs().toJavaScript();
  }

  async diff(urn: string, id: string, olds: Props, news: Props): Promise<DiffAnswer> {
    const request = new providerProto.DiffRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setOlds(Struct.fromJavaScript(olds));
    request.setNews(Struct.fromJavaScript(news));
    const response = await this.call<any>("diff", request);
    const kinds = providerProto.DiffResponse.DiffChanges;
    const changes = response.getChanges() === kinds.DIFF_SOME ? "some" : response.getChanges() === kinds.DIFF_NONE ? "none" : "unknown";
    return { changes, replaces: response.getReplacesList() };
  }

  async create(urn: string, props: Props): Promise<{ id: string; props: Props }> {
    const request = new providerProto.CreateRequest();
    request.setUrn(urn);
    request.setProperties(Struct.fromJavaScript(props));
    const response = await this.call<any>("create", request);
    return { id: response.getId(), props: response.getProperties().toJavaScript() };
  }

  async read(urn: string, id: string, props: Props): Promise<{ id: string; props: Props }> {
    const request = new providerProto.ReadRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setProperties(Struct.fromJavaScript(props));
    const response = await this.call<any>("read", request);
    return { id: response.getId(), props: response.getProperties()?.toJavaScript() ?? {} };
  }

  async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
    const request = new providerProto.UpdateRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setOlds(Struct.fromJavaScript(olds));
    request.setNews(Struct.fromJavaScript(news));
    const response = await this.call<any>("update", request);
    return response.getProperties().toJavaScript();
  }

  async delete(urn: string, id: string, props: Props): Promise<void> {
    const request = new providerProto.DeleteRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setProperties(Struct.fromJavaScript(props));
    await this.call("delete", request);
  }
}
