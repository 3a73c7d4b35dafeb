import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders, Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The receiver of docs/webhooks.md, exactly as written there (the code block under
// `<!-- receiver.mjs -->`), so that the page cannot rot: if its code stops holding every group as
// the service does, the tests that run it fail.
const root = fileURLToPath(new URL("../..", import.meta.url));
/** Inside the repository, so that `standardwebhooks` resolves from its node_modules. */
const scratch = join(root, ".wrangler", "e2e-receiver");
let written = 0;

/** The code of the docs' receiver. */
export function receiverCode(): string {
	const page = readFileSync(join(root, "docs", "webhooks.md"), "utf8");
	const code = page.match(/<!-- receiver\.mjs -->\n```js\n([\s\S]*?)\n```/)?.[1];
	if (!code) throw new Error("docs/webhooks.md has no receiver.mjs block");
	return code;
}

/** Writes the docs' receiver into a folder of its own (one module instance each); its folder. */
function writeReceiver(): string {
	const dir = join(scratch, `${process.pid}-${written++}`);
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, "receiver.mjs"), receiverCode());
	return dir;
}

export function removeReceivers(): void {
	rmSync(scratch, { recursive: true, force: true });
}

/** What the docs' receiver exports. */
export interface DocReceiverModule {
	receive(body: string, headers: IncomingHttpHeaders): Promise<number>;
	roster(groupId: string): { groupList: string; ignoreList: string };
	groups: Map<string, Held>;
	server: Server;
}

/** A group as the docs' receiver holds it. */
export interface Held {
	readonly version: number;
	readonly part: number;
	readonly parts: number;
	readonly deleted: boolean;
	readonly name: string;
	readonly creator: string;
	readonly members: string[];
}

/** The docs' receiver imported into this process (its environment read from `env`), to wrap it. */
export async function importDocReceiver(env: Record<string, string>): Promise<DocReceiverModule> {
	const file = join(writeReceiver(), "receiver.mjs");
	Object.assign(process.env, env);
	return (await import(pathToFileURL(file).href)) as DocReceiverModule;
}

/** A group as the receiver's process reports it: what it holds and the SYNC_ALL lists it stands for. */
export interface Report extends Held {
	readonly roster: { groupList: string; ignoreList: string };
}

export interface DocReceiverProcess {
	/** What it holds of these groups (undefined: never heard of). */
	held(groupIds: readonly string[]): Promise<Record<string, Report | undefined>>;
	output(): string;
	stop(): Promise<void>;
}

/**
 * The docs' receiver in its own Node process, started as docs/webhooks.md says
 * (`WEBHOOK_SECRET=… API_TOKEN=… SERVICE_URL=… PORT=… node receiver.mjs`), with a
 * few lines beside it that import the same module and answer, over the IPC
 * channel, what it holds.
 */
export async function startDocReceiver(env: Record<string, string>, port: number): Promise<DocReceiverProcess> {
	const dir = writeReceiver();
	writeFileSync(
		join(dir, "report.mjs"),
		[
			'import { groups, roster } from "./receiver.mjs";',
			"process.on('message', ({ ask, groupIds }) => {",
			"\tconst held = {};",
			"\tfor (const id of groupIds) {",
			"\t\tconst g = groups.get(id);",
			"\t\tif (g) held[id] = { version: g.version, part: g.part, parts: g.parts, deleted: g.deleted, name: g.name, creator: g.creator, members: g.members, roster: roster(id) };",
			"\t}",
			"\tprocess.send({ ask, held });",
			"});",
		].join("\n"),
	);
	const child: ChildProcess = spawn(process.execPath, ["report.mjs"], {
		cwd: dir,
		env: { ...process.env, ...env, PORT: String(port) },
		stdio: ["ignore", "pipe", "pipe", "ipc"],
	});
	let log = "";
	child.stdout?.on("data", (chunk) => (log += chunk));
	child.stderr?.on("data", (chunk) => (log += chunk));
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	let asked = 0;
	const stop = async () => {
		if (child.exitCode === null) child.kill("SIGKILL");
		await exited;
	};
	// Up once it answers an HTTP request (a 400: an unsigned POST does not verify).
	for (const deadline = Date.now() + 15_000; ; ) {
		if (child.exitCode !== null) throw new Error(`the docs' receiver exited:\n${log}`);
		try {
			const status = (await fetch(`http://127.0.0.1:${port}/hooks`, { method: "POST", body: "{}" })).status;
			if (status !== 400) throw new Error(`the docs' receiver answered an unsigned POST with ${status}`);
			break;
		} catch (error) {
			if (String(error).includes("answered")) throw error;
			if (Date.now() > deadline) {
				await stop();
				throw new Error(`the docs' receiver did not listen on ${port}:\n${log}`);
			}
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	return {
		held(groupIds) {
			const ask = ++asked;
			return new Promise((resolve) => {
				const onMessage = (message: { ask: number; held: Record<string, Report> }) => {
					if (message.ask !== ask) return;
					child.off("message", onMessage);
					resolve(message.held);
				};
				child.on("message", onMessage);
				child.send({ ask, groupIds });
			});
		},
		output: () => log,
		stop,
	};
}
