import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, it } from "vitest";

// The scripts Node runs itself (npm run bench, dev, import, export, test:browser) strip types and
// resolve imports as written: an import without its extension is "module not found" in Node, while
// wrangler, vitest and tsc all find it. So every module such a script loads, in src/ too, must write
// its relative imports with their extension.
const root = fileURLToPath(new URL("../..", import.meta.url));
const scriptDirs = ["bench", "tools", "test/browser"];

/** The relative imports a module makes at run time (type-only imports are stripped by Node). */
function runtimeImports(file: string): string[] {
	const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
	const found: string[] = [];
	for (const statement of source.statements) {
		if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) {
			found.push((statement.moduleSpecifier as ts.StringLiteral).text);
		} else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier) {
			found.push((statement.moduleSpecifier as ts.StringLiteral).text);
		}
	}
	return found.filter((specifier) => specifier.startsWith("."));
}

describe("modules that Node loads itself", () => {
	it("write every relative import with its extension, down to what they use of src/", ({ expect }) => {
		const scripts = scriptDirs.flatMap((dir) =>
			readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
				.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
				.map((f) => join(root, dir, f)),
		);
		const seen = new Set<string>();
		const wrong: string[] = [];
		const queue = [...scripts];
		for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
			if (seen.has(file)) continue;
			seen.add(file);
			for (const specifier of runtimeImports(file)) {
				const target = resolve(dirname(file), specifier);
				if (!existsSync(target) || !/\.(ts|mjs|js|json)$/.test(specifier)) {
					wrong.push(`${relative(root, file)}: "${specifier}"`);
				} else if (target.endsWith(".ts")) queue.push(target);
			}
		}
		// The walk reached src/ (bench/user-index.ts uses the index's shard function).
		expect([...seen].some((file) => relative(root, file).startsWith("src/"))).toBe(true);
		expect(wrong).toEqual([]);
	});
});
