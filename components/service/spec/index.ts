// The service spec, one concept per file; this index only re-exports them for the components.
export * from "./backing-needs";
export * from "./commands";
export * from "./messaging";
export * from "./php-limits";
export * from "./route";
export * from "./scheduled-job";
export * from "./secrets";
export * from "./service-spec";
export * from "./size";
