import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkPulumiInternals,
  PULUMI_SDK_VERSION,
  pulumiInternalsProblems,
  REGISTER_REQUEST_GETTERS,
  wireSignatures,
  withoutSourcePositions,
} from "../scripts/plan/pulumiInternals";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";

describe("the mock runtime's hooks into @pulumi/pulumi", () => {
  it("fit the installed SDK; an upgrade fails here first, naming what to check", () => {
    expect(pulumiInternalsProblems()).toEqual([]);
    expect(() => checkPulumiInternals()).not.toThrow();
  });

  it("say which version they were written for when another is installed", () => {
    expect(pulumiInternalsProblems("3.300.0")).toEqual([
      expect.stringMatching(/@pulumi\/pulumi 3\.300\.0 is installed, but scripts\/plan\/pulumiInternals\.ts was written for 3\.248\.0/),
    ]);
  });

  it("were written for the release package.json pins", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(manifest.dependencies["@pulumi/pulumi"]).toBe(PULUMI_SDK_VERSION);
  });

  it("read the wire format's signatures that sdk/nodejs/runtime/rpc.ts defines", () => {
    expect(wireSignatures()).toEqual({
      key: "4dabf18193072939515e22adb298388d",
      secret: "1b47061264138c4ac30d75fd1eb44270",
      resource: "5cf8f73096256a8f31e491e813e4eb8e",
      outputValue: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
    });
  });

  it("record only what a RegisterResourceRequest offers", () => {
    const { RegisterResourceRequest } = require("@pulumi/pulumi/proto/resource_pb");
    for (const getter of REGISTER_REQUEST_GETTERS) expect([getter, typeof RegisterResourceRequest.prototype[getter]]).toEqual([getter, "function"]);
  });

  it("put Resource.callsites back after answering no frames in its place", async () => {
    const { Resource } = require("@pulumi/pulumi");
    const original = Resource.callsites;
    await expect(withoutSourcePositions(async () => Resource.callsites())).resolves.toEqual([]);
    expect(Resource.callsites).toBe(original);
    expect(Resource.callsites().length).toBeGreaterThan(0);
  });
});
