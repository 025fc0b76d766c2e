// Prompt templates: versioned YAML prompts with labels and A/B splits (README, "Prompt templates").
export { PromptLibrary } from "./library.js";
export { LocalPromptStore, type LabelAssignment, type PromptStore, type PromptVersion } from "./store.js";
export { RedisPromptStore } from "./redis-store.js";
export { renderPrompt } from "./render.js";
export { parsePromptFile, type PromptTemplate } from "./template.js";
