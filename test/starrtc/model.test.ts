import { beforeAll, describe, inject, it } from "vitest";
import { checkAgainstModel, modelTimeout } from "../model/reference";
import { StubProxy } from "./stub-proxy";

// Callbacks and the app's changes mixed; once every outbox has drained, both read APIs and
// StarRTC's copy of each group (the stub proxy's) must equal the model: after every step in long
// runs (npm run test:long), after every fourth step and the last in npm test. Reads cost many
// calls per check, so this runs a fifth of MODEL_RUNS sequences (10 by default; a tenth in long runs).
const long = inject("modelRuns") > 200;
const budget = { runs: Math.max(1, Math.ceil(inject("modelRuns") / (long ? 10 : 5))), perRunMs: 5000 };
const proxy = new StubProxy();
beforeAll(() => void proxy.install());

describe("callbacks, app changes, reads and StarRTC's copy agree with the reference model", () => {
	it("over random sequences (shipped policy, STARRTC_PROXY_URL set)", { timeout: modelTimeout(budget) }, async () => {
		await checkAgainstModel(
			{ add: "member", remove: "creator", delete: "creator", maxMembers: 20000 },
			{ app: true, readsEvery: long ? 1 : 4, proxy },
			budget,
		);
	});
});
