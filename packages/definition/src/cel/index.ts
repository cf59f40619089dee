// CEL expressions and `${…}` templates of flow definitions, compatible with CrewAI's
// flow/expressions.py (cel-python) and evaluated with @bufbuild/cel.
export { ExpressionError, type JsonValue } from "./errors.js";
export {
  EACH_STEP_ROOTS,
  FLOW_ROOTS,
  evaluateCel,
  stripExpressionMarkers,
  validateExpression,
} from "./expression.js";
export { parseTemplate, renderTemplate, validateTemplate, type TemplateSegment } from "./template.js";
export { pythonJsonDumps, pythonRepr } from "./python.js";
