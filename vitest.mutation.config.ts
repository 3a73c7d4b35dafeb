import base from "./vitest.config.ts";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Stryker runs, for each mutant, the tests that reached it and stops at the first failure. So the
// order that pays is the opposite of `npm test`'s: the files that failed last (a neighbouring
// mutant is likely killed by the same file), then the short ones, the model-based runs last; and
// the main Workers project before the two variants.
const slow = (file: TestSpecification) => /model\.test\.ts$/.test(file.moduleId);
const projectRank = (file: TestSpecification) => ["workers", "starrtc-proxy", "policy-variants"].indexOf(file.project.name);

class QuickFirst extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const last = new Map(files.map((file) => [file, this.ctx.cache.getTestSpecificationResult(file)]));
		const rank = (file: TestSpecification) => [
			projectRank(file),
			slow(file) ? 1 : 0,
			last.get(file)?.failed ? 0 : 1,
			last.get(file)?.duration ?? 0,
		];
		return [...files].sort((a, b) => {
			const [ra, rb] = [rank(a), rank(b)];
			return ra.map((value, k) => value - (rb[k] ?? 0)).find((difference) => difference !== 0) ?? 0;
		});
	}
}

// Only the projects that run in the Workers runtime.
const projects = (base.test?.projects ?? []).filter((p) => typeof p === "object" && "test" in p && p.test?.name !== "node");
export default { ...base, test: { ...base.test, projects, sequence: { sequencer: QuickFirst } } };
