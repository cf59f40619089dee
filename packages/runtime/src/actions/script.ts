// `call: script` with `language: javascript`: Crewflow's extension, run in QuickJS compiled to
// WebAssembly with a time and memory limit. The script sees copies of state/outputs/input/item and
// has no process, file or network access; its state changes are copied back (mutations persist).
import { getQuickJS, shouldInterruptAfterDeadline } from "quickjs-emscripten";
import { toJson } from "../json";
import type { ActionContext, EachLocals } from "./types";

export const SCRIPT_LIMITS = { timeoutMs: 1000, memoryBytes: 32 * 1024 * 1024 };

export class ScriptError extends Error {
  override name = "ScriptError";
}

export async function runSandboxedScript(code: string, ctx: ActionContext, local?: EachLocals): Promise<unknown> {
  const quickjs = await getQuickJS();
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(SCRIPT_LIMITS.memoryBytes);
  runtime.setMaxStackSize(1024 * 1024);
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + SCRIPT_LIMITS.timeoutMs));
  const vm = runtime.newContext();
  try {
    const context = ctx.celContext(local);
    const input = JSON.stringify({ state: toJson(ctx.flow.state), outputs: context.outputs, input: toJson(ctx.input), item: toJson(local?.item) });
    const source =
      `const __in = JSON.parse(${JSON.stringify(input)});\n` +
      `const __fn = function (state, outputs, input, item) {\n${code}\n};\n` +
      `const __result = __fn(__in.state, __in.outputs, __in.input, __in.item);\n` +
      `JSON.stringify({ result: __result === undefined ? null : __result, state: __in.state });`;
    const evaluated = vm.evalCode(source, "script.js");
    if (evaluated.error) {
      const failure = vm.dump(evaluated.error) as { name?: string; message?: string } | string;
      evaluated.error.dispose();
      const message = typeof failure === "string" ? failure : `${failure.name ?? "Error"}: ${failure.message ?? ""}`;
      throw new ScriptError(`script failed in method '${ctx.method}': ${message}`);
    }
    const text = vm.dump(evaluated.value) as string;
    evaluated.value.dispose();
    const { result, state } = JSON.parse(text) as { result: unknown; state: Record<string, unknown> };
    const live = ctx.flow.state;
    for (const key of Object.keys(live)) if (!(key in state)) delete live[key];
    Object.assign(live, state);
    return result;
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}
