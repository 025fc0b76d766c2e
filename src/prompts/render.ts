// Variable substitution: text only. One pass over each template message, so a value that itself
// contains `{{name}}` is inserted as it is and never expanded (a caller cannot reach another
// variable, or anything else, through a value).
import { SluiceError } from "../errors/sluice-error.js";
import { PLACEHOLDER, type PromptTemplate, type TemplateMessage } from "./template.js";

/**
 * The template's messages with the request's variables in. A required variable not given, or a
 * variable the template does not declare, is `invalid_request` (400) naming it.
 */
export function renderPrompt(template: PromptTemplate, version: number, given: Readonly<Record<string, string>>): TemplateMessage[] {
  const at = `${template.id}@${version}`;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(template.variables, name)) {
      throw new SluiceError("invalid_request", `prompt ${at} has no variable \`${name}\` (declared: ${Object.keys(template.variables).join(", ") || "none"})`, {
        param: `prompt.variables.${name}`,
      });
    }
  }
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(template.variables)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined && spec.required) {
      throw new SluiceError("invalid_request", `prompt ${at} needs the variable \`${name}\``, { param: `prompt.variables.${name}` });
    }
    values[name] = value ?? "";
  }
  return template.messages.map((m) => ({ role: m.role, content: m.content.replace(PLACEHOLDER, (_, name: string) => values[name]!) }));
}
