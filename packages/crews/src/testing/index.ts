// Test helpers: a local OpenAI-compatible server and an ActionContext that keeps the events it records.
export { FakeOpenAI } from "./fake-openai";
export type { FakeChatBody, FakeCompletion, FakeError, FakeHang, FakeReply, FakeRequest, FakeResponder, FakeToolCall } from "./fake-openai";
export { recordingContext } from "./context";
export type { RecordingContext } from "./context";
