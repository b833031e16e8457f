export { createValidatingTransport } from "./validating-transport.js";
export { validationLimits, type ValidationLimits } from "./validation-limits.js";
