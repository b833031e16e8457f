export { validationLimits, type ValidationLimits } from "./validation-limits.js";
