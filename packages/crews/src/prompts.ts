// The prompt texts. They follow CrewAI's prompt slices (translations/en.json) so a crew asks a model the
// same things under Crewflow as under CrewAI: role-playing system prompt, task with expected output,
// context block, guardrail retry feedback, delegation tool descriptions, the forced final answer.

export const rolePlaying = (role: string, goal: string, backstory: string): string =>
  `You are ${role}. ${backstory}\nYour personal goal is: ${goal}`;

/** The user message of an agent's turn: tools present → the plain task; none → ask for the full response. */
export const currentTask = (input: string, hasTools: boolean): string =>
  hasTools ? `\nCurrent Task: ${input}` : `\nCurrent Task: ${input}\n\nProvide your complete response:`;

export const expectedOutput = (expected: string): string =>
  `\nThis is the expected criteria for your final answer: ${expected}\nyou MUST return the actual complete content as the final answer, not a summary.`;

export const taskWithContext = (task: string, context: string): string => `${task}\n\nThis is the context you're working with:\n${context}`;

/** Task context: raw outputs of earlier tasks, joined as CrewAI joins them. */
export const CONTEXT_SEPARATOR = "\n\n----------\n\n";

export const validationError = (error: string, previous: string): string =>
  `### Previous attempt failed validation: ${error}\n\n\n### Previous result:\n${previous}\n\n\nTry again, making sure to address the validation error.`;

export const FORCE_FINAL_ANSWER =
  "Now it's time you MUST give your absolute best final answer. You'll ignore all previous instructions, stop using any tools, and just return your absolute BEST Final answer.";

/** Crewflow's re-ask when an answer does not fit the structured-output schema. */
export const structuredRetry = (error: string, schema: string | null): string =>
  `Your previous answer does not match the required output format: ${error}.\n` +
  "Answer again with only the JSON value, without explanations or code fences." +
  (schema ? `\nThe JSON Schema it must match:\n${schema}` : "");

export const MANAGER = {
  role: "Crew Manager",
  goal: "Manage the team to complete the task in the best way possible.",
  backstory:
    "You are a seasoned manager with a knack for getting the best out of your team.\nYou are also known for your ability to delegate work to the right people, and to ask the right questions to get the best out of your team.\nEven though you don't perform tasks by yourself, you have a lot of experience in the field, which allows you to properly evaluate the work of your team members.",
};

export const MANAGER_REQUEST = "Your best answer to your coworker asking you this, accounting for the context shared.";

export const delegateWorkDescription = (coworkers: string): string =>
  `Delegate a specific task to one of the following coworkers: ${coworkers}\nThe input to this tool should be the coworker, the task you want them to do, and ALL necessary context to execute the task, they know nothing about the task, so share absolutely everything you know, don't reference things but instead explain them.`;

export const askQuestionDescription = (coworkers: string): string =>
  `Ask a specific question to one of the following coworkers: ${coworkers}\nThe input to this tool should be the coworker, the question you have for them, and ALL necessary context to ask the question properly, they know nothing about the question, so share absolutely everything you know, don't reference things but instead explain them.`;

export const unknownCoworker = (coworkers: string[]): string =>
  `\nError executing tool. coworker mentioned not found, it must be one of the following options:\n${coworkers.map((c) => `- ${c}`).join("\n")}\n`;

export const delegationFailed = (role: string, error: string): string => `Error executing task with agent '${role}'. Error: ${error}`;

export const wrongToolName = (tool: string, tools: string[]): string =>
  `You tried to use the tool ${tool}, but it doesn't exist. You must use one of the following tools, use one at time: ${tools.join(", ")}.`;

export const TOOL_ARGUMENTS_ERROR = "Error: the Action Input is not a valid key, value dictionary.";

export const toolUsageException = (error: string, tool: string, inputs: string): string =>
  `I encountered an error while trying to use the tool. This was the error: ${error}.\n Tool ${tool} accepts these inputs: ${inputs}`;

export const GUARDRAIL_AGENT = {
  role: "Guardrail Agent",
  goal: "Validate the output of the task",
  backstory: "You are a expert at validating the output of a task. By providing effective feedback if the output is not valid.",
};

export const guardrailQuery = (raw: string, guardrail: string): string =>
  `
        Ensure the following task result complies with the given guardrail.

        Task result:
        ${raw}

        Guardrail:
        ${guardrail}

        Your task:
        - Confirm if the Task result complies with the guardrail.
        - If not, provide clear feedback explaining what is wrong (e.g., by how much it violates the rule, or what specific part fails).
        - Focus only on identifying issues — do not propose corrections.
        - If the Task result complies with the guardrail, saying that is valid
        `;
