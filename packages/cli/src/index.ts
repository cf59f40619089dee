export { main } from "./main";
export type { CliIo } from "./io";
export { validateFile, type FileVerdict } from "./commands/validate";
