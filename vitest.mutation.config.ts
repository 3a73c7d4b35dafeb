import base from "./vitest.config.ts";

// Only the projects that run in the Workers runtime.
const projects = (base.test?.projects ?? []).filter((p) => typeof p === "object" && "test" in p && p.test?.name !== "node");
export default { ...base, test: { ...base.test, projects } };
