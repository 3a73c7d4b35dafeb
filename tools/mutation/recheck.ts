// Re-runs the survivors of a Stryker run that Stryker could not test fairly: mutants in code that
// runs when a module loads (route tables, constants; `static` in reports/mutation.json). The
// Worker's modules load inside the first test that calls it, so Stryker counts such a mutant as
// covered by that one test and runs it in a runner whose modules are already loaded: the mutant
// never takes effect and "survives". Here each one is written into the source file and the tests
// run in a fresh vitest process, the file restored afterwards.
//
//   node tools/mutation/recheck.ts [--all] [file prefix…] [-- test paths…]
//
// Without --all only static survivors are re-run. Prints one line per mutant and a summary.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

interface Mutant {
	id: string;
	mutatorName: string;
	replacement?: string;
	status: string;
	static?: boolean;
	location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

const args = process.argv.slice(2);
const split = args.indexOf("--");
const own = split === -1 ? args : args.slice(0, split);
const testPaths = split === -1 ? [] : args.slice(split + 1);
const all = own.includes("--all");
const prefixes = own.filter((a) => a !== "--all");

const report = JSON.parse(readFileSync("reports/mutation.json", "utf8")) as {
	files: Record<string, { source: string; mutants: Mutant[] }>;
};
// The report keeps files of earlier runs; a file the config no longer mutates is not re-run.
const excluded = (JSON.parse(readFileSync("stryker.config.json", "utf8")) as { mutate: string[] }).mutate
	.filter((pattern) => pattern.startsWith("!") && !pattern.includes("*"))
	.map((pattern) => pattern.slice(1));

/** Offset of a Stryker position (line 1-based, column 1-based) in `text`. */
function offset(text: string, { line, column }: { line: number; column: number }): number {
	let at = 0;
	for (let l = 1; l < line; l++) at = text.indexOf("\n", at) + 1;
	return at + column - 1;
}

let killed = 0;
let survived = 0;
for (const [file, { source, mutants }] of Object.entries(report.files)) {
	if (prefixes.length && !prefixes.some((p) => file.startsWith(p))) continue;
	if (excluded.includes(file)) continue;
	const original = readFileSync(file, "utf8");
	const restore = () => writeFileSync(file, original);
	for (const m of mutants) {
		if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
		if (!all && !m.static) continue;
		const where = `${file}:${m.location.start.line}:${m.location.start.column}`;
		const [from, to] = [offset(original, m.location.start), offset(original, m.location.end)];
		// The file changed since the run: only a mutant whose line and code read as they did then is re-run.
		const line = (text: string) => text.split("\n")[m.location.start.line - 1];
		const span = (text: string) => text.slice(offset(text, m.location.start), offset(text, m.location.end));
		if (line(original) !== line(source) || span(original) !== span(source)) {
			console.log(`moved    ${where} (the line changed since the Stryker run)`);
			continue;
		}
		writeFileSync(file, original.slice(0, from) + (m.replacement ?? "") + original.slice(to));
		try {
			const run = spawnSync("npx", ["vitest", "run", "--config", "vitest.mutation.config.ts", "--bail", "1", ...testPaths], {
				env: { ...process.env, MODEL_RUNS: process.env.MODEL_RUNS ?? "30", WRANGLER_SEND_METRICS: "false" },
				encoding: "utf8",
				timeout: 600_000,
			});
			// Stopped from outside (Ctrl-C reaches the child too): restore and stop, not "killed".
			if (run.signal) {
				restore();
				process.exit(130);
			}
			const failed = run.status !== 0;
			if (failed) killed++;
			else survived++;
			const test = failed
				? (/FAIL\s.*?(test\/\S+)/.exec(`${run.stdout}${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, ""))?.[1] ?? `exit ${run.status}`)
				: "";
			console.log(
				`${failed ? "killed  " : "SURVIVED"} ${where} ${m.mutatorName} -> ${(m.replacement ?? "").replace(/\s+/g, " ").slice(0, 60)} ${test}`,
			);
		} finally {
			restore();
		}
	}
}
console.log(`${killed} killed, ${survived} survived`);
