import * as path from "node:path";

/** The repository root, where Pulumi.yaml is: config paths such as `data/train_data.jsonl` are relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** A project-relative path as an absolute one (absolute paths stay as they are). */
export function projectPath(relative: string): string {
  return path.resolve(PROJECT_ROOT, relative);
}

/** Whether a config path (relative to the project, or absolute) names a file outside the project. */
export function outsideProject(file: string): boolean {
  return path.relative(PROJECT_ROOT, projectPath(file)).split(path.sep)[0] === "..";
}
