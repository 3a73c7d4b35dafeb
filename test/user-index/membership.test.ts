import { describe, it } from "vitest";
import { shardOf } from "../../src/user-index/membership";

describe("shardOf", () => {
	it("is FNV-1a (32 bit) of the id's UTF-8 bytes, modulo the shard count", ({ expect }) => {
		// FNV-1a("a") = 0xe40c292c, the published test vector; the empty id is the offset basis 0x811c9dc5.
		expect(shardOf("a", 16)).toBe(`shard-${0xe40c292c % 16}`);
		expect(shardOf("a", 7)).toBe(`shard-${0xe40c292c % 7}`);
		expect(shardOf("", 16)).toBe(`shard-${0x811c9dc5 % 16}`);
		// Bytes, not UTF-16 units: 张 and 三 are three bytes each.
		expect(shardOf("张三", 16)).toBe(`shard-${0x390187fb % 16}`);
	});

	it("spreads ids over every shard", ({ expect }) => {
		const used = new Set(Array.from({ length: 1000 }, (_, i) => shardOf(`user${i}`, 16)));
		expect(used.size).toBe(16);
	});
});
