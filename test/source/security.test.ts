import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

// Reads the source itself: facts the security review rests on.
const src = fileURLToPath(new URL("../../src", import.meta.url));
const files = readdirSync(src, { recursive: true, encoding: "utf8" })
	.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
	.map((f) => ({ name: f, text: readFileSync(join(src, f), "utf8") }));

describe("source review", () => {
	it("builds no SQL from values: every exec() takes a plain string literal, with ? bindings", ({ expect }) => {
		const calls = files.flatMap(({ name, text }) =>
			[...text.matchAll(/\.exec(?:<[^>]*>)?\(\s*/g)].map((m) => ({ name, at: text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 400) })),
		);
		expect(calls.length).toBeGreaterThan(5);
		// A double-quoted literal, a template without ${...}, or the SCHEMA constant; nothing else.
		const literal = /^("(?:[^"\\$]|\\.)*"|`[^`$]*`|SCHEMA)\s*[,)]/;
		const dynamic = calls.filter(({ at }) => !literal.test(at));
		expect(dynamic).toEqual([]);
	});

	it("checks the sign with WebCrypto's verify (constant time), never by comparing strings", ({ expect }) => {
		const sign = files.find((f) => f.name.endsWith("sign.ts"))?.text ?? "";
		expect(sign).toContain("crypto.subtle.verify(");
		expect(sign).not.toMatch(/===\s*sign|sign\s*===/);
	});
});
