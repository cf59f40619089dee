// Human feedback for a paused run: in the paused node (W1 renders <NodeFeedback method=…/>) and in
// the run panel. Sending it resumes the run, which is then followed live again.
import { useState } from "react";
import { displayStatus } from "./format";
import { sendFeedback, useRuns } from "./store";

export function FeedbackForm() {
  const [text, setText] = useState("");
  const busy = useRuns((s) => s.busy);
  const emit = useRuns((s) => s.run?.pending?.emit ?? null);
  return (
    <form
      className="run-feedback-form nodrag"
      onSubmit={(e) => {
        e.preventDefault();
        void sendFeedback(text).then(() => setText(""));
      }}
    >
      <textarea aria-label="Feedback" rows={2} value={text} placeholder={emit ? `e.g. ${emit.join(" / ")}` : "Your feedback"} onChange={(e) => setText(e.target.value)} />
      <button type="submit" disabled={busy}>
        Send feedback
      </button>
    </form>
  );
}

/** Shown only while this method is the one a paused run waits on (and the run is not being scrubbed). */
export function NodeFeedback({ method }: { method: string }) {
  const waiting = useRuns(
    (s) => s.cursor === null && s.run?.pending?.method === method && displayStatus(s.run.status, s.events, s.live) === "paused",
  );
  const message = useRuns((s) => s.run?.pending?.message ?? "");
  if (!waiting) return null;
  return (
    <div className="node-feedback">
      <p>{message}</p>
      <FeedbackForm />
    </div>
  );
}
