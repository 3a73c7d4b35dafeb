import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { listGroups } from "../../src/registry/listing";
import { type GroupSummary, registryShardOf } from "../../src/registry/summary";

const SHARDS = Number(env.REGISTRY_SHARDS);

// docs/performance.md "The group registry" comes from here: the registry's own cost, apart from any group.
describe("the group registry at 20,000 groups", () => {
	it("lists them all in pages of 1,000, in numeric id order, none twice", { timeout: 120_000 }, async ({ expect }) => {
		const ids = Array.from({ length: 20_000 }, (_, i) => String(1 + i * 7919));
		const summary = (groupId: string, version: number): GroupSummary => ({
			groupId,
			name: `group ${groupId}`,
			creator: "someone",
			createdAt: 1_700_000_000_000,
			memberCount: 3,
			version,
			deleted: false,
		});
		const byShard = new Map<string, GroupSummary[]>();
		for (const id of ids) {
			const shard = registryShardOf(id, SHARDS);
			byShard.set(shard, [...(byShard.get(shard) ?? []), summary(id, 1)]);
		}
		for (const [shard, summaries] of byShard) {
			for (let i = 0; i < summaries.length; i += 1000) {
				const applied = await env.REGISTRY.getByName(shard).apply(summaries.slice(i, i + 1000));
				expect(applied.ok).toBe(true);
			}
		}
		// One summary per call, as a group's outbox sends it: calls per second into one shard.
		const one = [...byShard.keys()][0] ?? "";
		const mine = byShard.get(one) ?? [];
		const started = performance.now();
		for (const s of mine.slice(0, 500)) expect((await env.REGISTRY.getByName(one).apply([{ ...s, version: 2 }])).ok).toBe(true);
		const applyMs = (performance.now() - started) / 500;

		const listed: string[] = [];
		const pageMs: number[] = [];
		let cursor: string | undefined;
		do {
			const t = performance.now();
			const page = await listGroups(env, cursor, 1000);
			pageMs.push(performance.now() - t);
			if (!page.ok) throw new Error(page.reason);
			listed.push(...page.value.groups.map((g) => g.groupId));
			cursor = page.value.next;
		} while (cursor);
		console.log(
			JSON.stringify({
				registry: {
					groups: ids.length,
					shards: SHARDS,
					applyOneMs: Number(applyMs.toFixed(3)),
					pages: pageMs.length,
					pageMsMedian: Number((pageMs.toSorted((a, b) => a - b)[pageMs.length >> 1] ?? 0).toFixed(1)),
					listAllMs: Math.round(pageMs.reduce((a, b) => a + b, 0)),
				},
			}),
		);
		expect(listed).toEqual(ids);
	});
});
