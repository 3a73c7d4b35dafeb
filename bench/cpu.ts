import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Linux reports CPU time in clock ticks: 100 per second on every common build. */
const MS_PER_TICK = 10;

interface Stat {
	readonly pid: number;
	readonly ppid: number;
	readonly comm: string;
	/** utime + stime, plus cutime + cstime (children that exited and were waited for), in ms. */
	readonly cpuMs: number;
}

function readStat(pid: number): Stat | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, "utf8");
		// comm is in parentheses and may hold spaces: the fields start after the last ")".
		const close = text.lastIndexOf(")");
		const fields = text.slice(close + 2).split(" ");
		const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
		return { pid, ppid: Number(fields[1]), comm: text.slice(text.indexOf("(") + 1, close), cpuMs: ticks * MS_PER_TICK };
	} catch {
		return undefined; // exited meanwhile
	}
}

function allProcesses(): Stat[] {
	return readdirSync("/proc")
		.filter((name) => /^\d+$/.test(name))
		.map((name) => readStat(Number(name)))
		.filter((s): s is Stat => s !== undefined);
}

/** `roots` and every process below them, as they are now. */
function tree(roots: readonly number[]): Stat[] {
	const all = allProcesses();
	const inTree = new Set(roots);
	// Parents have lower pids only until pids wrap: iterate until nothing new joins.
	for (let grew = true; grew; ) {
		grew = false;
		for (const p of all) {
			if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
				inTree.add(p.pid);
				grew = true;
			}
		}
	}
	return all.filter((p) => inTree.has(p.pid));
}

/** The processes a server runs in (given roots and their descendants), and the CPU time they used. */
export class Processes {
	readonly #roots: readonly number[];
	readonly #settleMaxMs: number;
	/** `settleMaxMs`: how long `settle` waits for idle (a database may never fall quite idle). */
	constructor(roots: readonly number[], settleMaxMs = 60_000) {
		this.#roots = roots;
		this.#settleMaxMs = settleMaxMs;
	}

	/** Total CPU time so far, in ms, of the roots and their descendants. */
	cpuMs(): number {
		return tree(this.#roots).reduce((sum, p) => sum + p.cpuMs, 0);
	}

	/** "workerd ×2, node" and the like, for the report. */
	describe(): string {
		const counts = new Map<string, number>();
		for (const p of tree(this.#roots)) counts.set(p.comm, (counts.get(p.comm) ?? 0) + 1);
		return [...counts].map(([comm, n]) => (n > 1 ? `${comm} ×${n}` : comm)).join(", ");
	}

	/**
	 * Waits until the server is idle (at most one tick in half a second), so that
	 * work left over from an earlier step (index deliveries, say) is not charged to
	 * the next, and work a step caused after its last answer is charged to it.
	 */
	async settle(): Promise<void> {
		const maxMs = this.#settleMaxMs;
		const started = performance.now();
		let before = this.cpuMs();
		while (performance.now() - started < maxMs) {
			await sleep(500);
			const now = this.cpuMs();
			if (now - before <= MS_PER_TICK) return;
			before = now;
		}
		process.stderr.write(`  (still busy after ${maxMs / 1000} s; measuring anyway)\n`);
	}
}

/** The direct children of this process right now. */
function children(): Set<number> {
	return new Set(
		allProcesses()
			.filter((p) => p.ppid === process.pid)
			.map((p) => p.pid),
	);
}

/** Runs `start` and returns what it returned, with the processes it spawned (children of this process). */
export async function spawnedBy<T>(start: () => Promise<T>): Promise<{ value: T; processes: Processes }> {
	const before = children();
	const value = await start();
	const roots = [...children()].filter((pid) => !before.has(pid));
	if (!roots.length) throw new Error("the target started no process of its own");
	return { value, processes: new Processes(roots) };
}
