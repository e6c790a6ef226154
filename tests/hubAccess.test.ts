import * as fs from "node:fs";
import * as path from "node:path";
import { authHeaders, carriesToken, hubAccessFrom, refusal, tokenPath } from "../scripts/data/sources/hubAccess";
import { tempDir } from "./support/chatRecords";

/** A home folder with a token file where `hf auth login` writes it, under `relative`. */
function homeWithToken(relative: string, content: string): string {
  const home = tempDir();
  fs.mkdirSync(path.dirname(path.join(home, relative)), { recursive: true });
  fs.writeFileSync(path.join(home, relative), content);
  return home;
}

describe("the Hub's address and token, as huggingface_hub reads them (constants.py, utils/_auth.py)", () => {
  it("defaults to https://huggingface.co and no token when nothing is set", () => {
    expect(hubAccessFrom({ HOME: tempDir() })).toEqual({ endpoint: "https://huggingface.co" });
  });

  it("takes HF_ENDPOINT without its trailing slashes, and refuses one that is not an address", () => {
    expect(hubAccessFrom({ HOME: tempDir(), HF_ENDPOINT: "https://hf-mirror.example/" }).endpoint).toBe("https://hf-mirror.example");
    expect(() => hubAccessFrom({ HF_ENDPOINT: "hf-mirror.example" })).toThrow('HF_ENDPOINT="hf-mirror.example": an http or https address, such as https://huggingface.co');
  });

  it("takes HF_TOKEN first, then HUGGING_FACE_HUB_TOKEN, then the token file, each cleaned of line breaks and spaces", () => {
    const home = homeWithToken(".cache/huggingface/token", " hf_file\n");
    expect(hubAccessFrom({ HOME: home, HF_TOKEN: "hf_env\r\n", HUGGING_FACE_HUB_TOKEN: "hf_legacy" })).toMatchObject({ token: "hf_env", tokenFrom: "HF_TOKEN" });
    expect(hubAccessFrom({ HOME: home, HUGGING_FACE_HUB_TOKEN: "hf_legacy" })).toMatchObject({ token: "hf_legacy", tokenFrom: "HUGGING_FACE_HUB_TOKEN" });
    // A blank HF_TOKEN hides the legacy variable, as `HF_TOKEN or HUGGING_FACE_HUB_TOKEN` does, and leaves the file.
    expect(hubAccessFrom({ HOME: home, HF_TOKEN: "  ", HUGGING_FACE_HUB_TOKEN: "hf_legacy" })).toMatchObject({ token: "hf_file" });
    expect(hubAccessFrom({ HOME: home })).toEqual({ endpoint: "https://huggingface.co", token: "hf_file", tokenFrom: path.join(home, ".cache/huggingface/token") });
  });

  it("finds the token file at HF_TOKEN_PATH, else $HF_HOME/token, else $XDG_CACHE_HOME/huggingface/token, else ~/.cache/huggingface/token", () => {
    expect(tokenPath({ HOME: "/h", HF_TOKEN_PATH: "~/t", HF_HOME: "/x" })).toBe("/h/t");
    expect(tokenPath({ HOME: "/h", HF_HOME: "$HOME/hf", XDG_CACHE_HOME: "/c" })).toBe("/h/hf/token");
    expect(tokenPath({ HOME: "/h", XDG_CACHE_HOME: "/c" })).toBe("/c/huggingface/token");
    expect(tokenPath({ HOME: "/h" })).toBe("/h/.cache/huggingface/token");
    const home = homeWithToken("hf/token", "hf_in_hf_home");
    expect(hubAccessFrom({ HOME: home, HF_HOME: path.join(home, "hf") }).token).toBe("hf_in_hf_home");
  });

  it("treats an empty token file as no token, and says so when the file cannot be read", () => {
    expect(hubAccessFrom({ HOME: homeWithToken(".cache/huggingface/token", "\n") }).token).toBeUndefined();
    const home = tempDir();
    fs.mkdirSync(path.join(home, ".cache/huggingface/token"), { recursive: true }); // a folder where the file goes
    expect(() => hubAccessFrom({ HOME: home })).toThrow(/the Hugging Face token file .*token cannot be read \(EISDIR\); fix it, or set HF_TOKEN/);
  });

  it("sends the token only to the Hub's own origin", () => {
    const access = { endpoint: "http://127.0.0.1:8000", token: "hf_x", tokenFrom: "HF_TOKEN" };
    expect(authHeaders(access, "http://127.0.0.1:8000/api/datasets/a/b/parquet")).toEqual({ authorization: "Bearer hf_x" });
    expect(authHeaders(access, "http://127.0.0.1:8001/blobs/0000.parquet")).toEqual({});
    expect(authHeaders({ endpoint: access.endpoint }, "http://127.0.0.1:8000/api")).toEqual({});
  });

  it("sends the token only over https, or over http to this machine's loopback", () => {
    expect(() => hubAccessFrom({ HOME: tempDir(), HF_ENDPOINT: "http://hf-mirror.example", HF_TOKEN: "hf_x" })).toThrow(
      'HF_ENDPOINT="http://hf-mirror.example": the Hugging Face token (from HF_TOKEN) is sent only over https, and this is plain http to another machine: use its https address, or run without the token',
    );
    expect(hubAccessFrom({ HOME: tempDir(), HF_ENDPOINT: "http://hf-mirror.example" })).toEqual({ endpoint: "http://hf-mirror.example" });
    for (const endpoint of ["http://127.0.0.1:8000", "http://127.8.9.10", "http://localhost:3000", "http://[::1]:8000", "https://hf-mirror.example"]) {
      expect(authHeaders(hubAccessFrom({ HF_ENDPOINT: endpoint, HF_TOKEN: "hf_x" }), `${endpoint}/api`)).toEqual({ authorization: "Bearer hf_x" });
    }
    // Set by code rather than by HF_ENDPOINT, plain http to another machine still gets no token.
    const plain = { endpoint: "http://hf-mirror.example", token: "hf_x", tokenFrom: "HF_TOKEN" };
    expect(authHeaders(plain, "http://hf-mirror.example/api")).toEqual({});
    expect(carriesToken("http://127.0.0.1.example.com/")).toBe(false);
  });

  it("sends the token to the dataset viewer only when it is named as one of the Hub's own", () => {
    const access = { endpoint: "https://huggingface.co", token: "hf_x", tokenFrom: "HF_TOKEN" };
    expect(authHeaders(access, "https://datasets-server.huggingface.co/rows?dataset=a")).toEqual({});
    expect(authHeaders(access, "https://datasets-server.huggingface.co/rows?dataset=a", ["https://datasets-server.huggingface.co"])).toEqual({ authorization: "Bearer hf_x" });
    expect(authHeaders(access, "http://viewer.example/rows", ["http://viewer.example"])).toEqual({});
  });

  it("tells a refusal of access from other failures", () => {
    const answer = (status: number) => ({ status, headers: new Headers(), body: "" });
    expect(refusal({ endpoint: "https://huggingface.co" }, "a/b", answer(400))).toBeUndefined();
    expect(refusal({ endpoint: "https://huggingface.co" }, "a/b", answer(403))).toMatch(/^a\/b is gated \(HTTP 403; no token was sent .*then set HF_TOKEN to a read token of that account/);
  });
});
