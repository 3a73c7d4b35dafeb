import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A port nobody listens on right now, on loopback. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
		});
	});
}

/** sign = base64(HMAC-SHA1(guardToken, data)), computed here with Node's own crypto. */
export const sign = (token: string, data: string) => createHmac("sha1", token).update(data, "utf8").digest("base64");

export interface DevServer {
	readonly url: string;
	readonly output: () => string;
	/** SIGTERM by default; SIGKILL stands in for a crash. */
	stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `wrangler dev` (local mode) on a free loopback port and waits until /healthz answers.
 * Without `persistTo`, it gets fresh storage in a temporary folder, removed on stop.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
	// Servers started side by side can race for the same free port (ours or one wrangler picks
	// itself); such a start is retried, on a new port unless the caller asked for one.
	for (let attempt = 1; ; attempt++) {
		try {
			return await startOnce(options);
		} catch (error) {
			if (attempt === 3 || !String(error).includes("Address already in use")) throw error;
			await new Promise((r) => setTimeout(r, 500 * attempt));
		}
	}
}

interface DevServerOptions {
	vars?: Record<string, string>;
	persistTo?: string;
	port?: number;
	/** Another wrangler configuration file than the project's (bench/backup.ts adds an R2 bucket). */
	config?: string;
	/** More `wrangler dev` arguments, such as --test-scheduled. */
	args?: string[];
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
	const port = options.port ?? (await freePort());
	const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", ...(options.args ?? [])];
	if (options.config) args.push("--config", options.config);
	for (const [key, value] of Object.entries(options.vars ?? {})) args.push("--var", `${key}:${value}`);
	const scratch = options.persistTo ? undefined : mkdtempSync(join(tmpdir(), "aec-dev-"));
	args.push("--persist-to", options.persistTo ?? scratch ?? "");
	const child: ChildProcess = spawn(`${root}node_modules/.bin/wrangler`, args, {
		cwd: root,
		detached: true,
		env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let log = "";
	child.stdout?.on("data", (chunk) => (log += chunk));
	child.stderr?.on("data", (chunk) => (log += chunk));
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	const server: DevServer = {
		url: `http://127.0.0.1:${port}`,
		output: () => log,
		async stop(signal = "SIGTERM") {
			if (child.exitCode === null && child.pid) {
				try {
					process.kill(-child.pid, signal);
				} catch {}
				const killed = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5000);
				await exited;
				clearTimeout(killed);
				// wrangler's exit does not wait for its runtime (workerd) in the same process group: a
				// caller that next reads the storage or restarts on it must find the group gone.
				for (const deadline = Date.now() + 10_000; alive(-child.pid) && Date.now() < deadline; ) {
					await new Promise((r) => setTimeout(r, 50));
				}
			}
			if (scratch) rmSync(scratch, { recursive: true, force: true });
		},
	};
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) {
			await server.stop();
			throw new Error(`wrangler dev exited:\n${log}`);
		}
		try {
			if ((await fetch(`${server.url}/healthz`)).ok) return server;
		} catch {}
		await new Promise((r) => setTimeout(r, 250));
	}
	await server.stop();
	throw new Error(`wrangler dev did not answer within 60 s:\n${log}`);
}

/** Whether any process of the group (negative pid) or the process is still running. */
function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}
