import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface ToolRun {
	readonly status: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

/**
 * Runs one of the project's Node scripts (`tools/import/main.ts`, `tools/export/main.ts`) from the
 * project's root as `npm run` would, with only PATH and `env` in its environment, and collects what it printed.
 */
export async function runTool(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<ToolRun> {
	const child = spawn(process.execPath, [script, ...args], {
		cwd: root,
		env: { PATH: process.env.PATH, ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk) => (stdout += chunk));
	child.stderr.on("data", (chunk) => (stderr += chunk));
	const status = await new Promise<number | null>((resolve) => child.once("close", resolve));
	return { status, stdout, stderr };
}
