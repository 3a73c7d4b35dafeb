import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, it } from "vitest";

// Reads the source itself: facts the security review rests on.
const src = fileURLToPath(new URL("../../src", import.meta.url));
const files = readdirSync(src, { recursive: true, encoding: "utf8" })
	.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
	.map((f) => ({ name: f, text: readFileSync(join(src, f), "utf8") }));

describe("source review", () => {
	it("builds no SQL from values: every exec() takes a plain string literal, with ? bindings", ({ expect }) => {
		const calls = files.flatMap(({ name, text }) =>
			[...text.matchAll(/\.exec(?:<[^>]*>)?\(\s*/g)].map((m) => ({
				name,
				at: text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 400),
			})),
		);
		expect(calls.length).toBeGreaterThan(5);
		// A double-quoted literal, a template without ${...}, or the SCHEMA constant; nothing else.
		const literal = /^("(?:[^"\\$]|\\.)*"|`[^`$]*`|SCHEMA)\s*[,)]/;
		const dynamic = calls.filter(({ at }) => !literal.test(at));
		expect(dynamic).toEqual([]);
	});

	it("never compares the sign with ===: equality in sign.ts only against a literal, and nowhere on a sign", ({ expect }) => {
		// A plain comparison of the sign with the expected one leaks, by its timing, how many leading
		// characters are right. test/edge/sign.test.ts shows that WebCrypto's verify decides.
		const found = files.flatMap(({ name, text }) => signComparisons(name, text));
		expect(found).toEqual([]);
		// The check itself finds what it is for.
		expect(signComparisons("edge/sign.ts", "const ok = (await computeSign(token, data)) === sign;")).toHaveLength(1);
		expect(signComparisons("edge/sign.ts", "mac.every((b, i) => b === expected[i]);")).toHaveLength(1);
		expect(signComparisons("edge/app.ts", "if (sign !== expectedSign) return;")).toHaveLength(1);
		expect(signComparisons("edge/app.ts", 'if (sign === undefined || sign === "") return;')).toEqual([]);
	});
});

const EQUALITY = new Set([
	ts.SyntaxKind.EqualsEqualsEqualsToken,
	ts.SyntaxKind.ExclamationEqualsEqualsToken,
	ts.SyntaxKind.EqualsEqualsToken,
	ts.SyntaxKind.ExclamationEqualsToken,
]);
const SIGN_NAMES = new Set(["sign", "signature", "mac", "computeSign"]);

/** A literal, `undefined` or a `.length`: what may be compared without comparing secrets. */
function harmless(node: ts.Expression): boolean {
	let inner = node;
	while (ts.isParenthesizedExpression(inner) || ts.isAwaitExpression(inner)) inner = inner.expression;
	return (
		ts.isLiteralExpression(inner) ||
		inner.kind === ts.SyntaxKind.NullKeyword ||
		(ts.isIdentifier(inner) && inner.text === "undefined") ||
		(ts.isPropertyAccessExpression(inner) && inner.name.text === "length")
	);
}

function mentionsSign(node: ts.Node): boolean {
	return (
		(ts.isIdentifier(node) && SIGN_NAMES.has(node.text)) || (ts.forEachChild(node, (child) => mentionsSign(child) || undefined) ?? false)
	);
}

/** Equalities that could compare a sign: any in sign.ts between two non-literals, and any on a sign elsewhere. */
function signComparisons(name: string, text: string): string[] {
	const source = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
	const found: string[] = [];
	const visit = (node: ts.Node) => {
		if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind)) {
			const operands = [node.left, node.right];
			const risky = name.endsWith("sign.ts") ? true : operands.some(mentionsSign);
			if (risky && !operands.some(harmless)) found.push(`${name}: ${node.getText(source)}`);
		}
		ts.forEachChild(node, visit);
	};
	visit(source);
	return found;
}
