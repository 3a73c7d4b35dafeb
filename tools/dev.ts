/**
 * `npm run dev`: `wrangler dev` with local storage, unsigned callbacks, open demo URLs, and an
 * API token made for this run only, printed so that a newcomer can try `/v1` and the console at
 * once. The token exists only in this process's arguments and in this terminal; a deployed Worker
 * never gets one this way (`wrangler secret put API_TOKEN`).
 *
 * Arguments after `npm run dev --` go to `wrangler dev` (e.g. `-- --port 8788`). An API_TOKEN in
 * `.dev.vars` or in the environment (DEV_API_TOKEN) is used instead of a new one.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const passed = process.argv.slice(2);

/** The value of `--name value` or `--name=value` among the passed arguments. */
function option(name: string): string | undefined {
	for (const [i, arg] of passed.entries()) {
		if (arg === name) return passed[i + 1];
		if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
	}
	return undefined;
}

/** API_TOKEN from .dev.vars, which wrangler reads itself: then it is the token, and nothing is added. */
function devVarsToken(): string | undefined {
	const file = `${root}.dev.vars`;
	if (!existsSync(file)) return undefined;
	const line = readFileSync(file, "utf8")
		.split(/\r?\n/)
		.find((l) => /^\s*API_TOKEN\s*=/.test(l));
	return line?.replace(/^\s*API_TOKEN\s*=\s*/, "").replace(/^(["'])(.*)\1\s*$/, "$2");
}

const fromDevVars = devVarsToken();
const token = fromDevVars ?? process.env.DEV_API_TOKEN ?? `local-${randomBytes(18).toString("base64url")}`;
const args = ["dev", "--var", "ALLOW_UNSIGNED:true", "--var", "PUBLIC_READS:true"];
if (fromDevVars === undefined) args.push("--var", `API_TOKEN:${token}`);
args.push(...passed);

const host = option("--ip") ?? "localhost";
const port = option("--port") ?? "8787";
const source =
	fromDevVars !== undefined ? " (API_TOKEN of .dev.vars)" : process.env.DEV_API_TOKEN ? " (DEV_API_TOKEN)" : " (made for this run only)";
console.log(`\nconsole: http://${host}:${port}/console  token: ${token}${source}\n`);

const bin = `${root}node_modules/.bin/wrangler`;
const child = spawn(bin, args, { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
	process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
