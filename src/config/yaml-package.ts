// The yaml package behind an ES module of its own, so that code splitting
// gives it a chunk of its own, read only when a YAML config needs it.
export * from "yaml";
