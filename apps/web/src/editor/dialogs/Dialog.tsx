// A small modal dialog: labelled, focus moved in on open, Escape or the close button closes it.
import { type ReactNode, useEffect, useRef } from "react";

export function Dialog({ label, onClose, children, wide }: { label: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = ref.current;
    const first = box?.querySelector<HTMLElement>("input, textarea, select, button:not(.cf-dialog-close)");
    (first ?? box)?.focus();
  }, []);
  return (
    <div className="cf-dialog-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        tabIndex={-1}
        className={`cf-dialog${wide ? " is-wide" : ""}`}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.stopPropagation();
            onClose();
          }
        }}
      >
        <header className="cf-dialog-head">
          <h2>{label}</h2>
          <button type="button" className="cf-dialog-close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
