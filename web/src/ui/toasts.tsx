import { useEffect, useState } from 'preact/hooks';

export interface Toast {
  id: number;
  kind: 'error' | 'confirmation';
  text: string;
}

type Listener = (toasts: Toast[]) => void;
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<Listener>();

function publish(): void {
  for (const listener of listeners) listener(toasts);
}

export function dismiss(id: number): void {
  toasts = toasts.filter((toast) => toast.id !== id);
  publish();
}

/** Errors stay until dismissed; confirmations leave after 5 s (docs/inbox.md#loading-and-errors). */
export function showToast(kind: Toast['kind'], text: string): void {
  const toast = { id: nextId++, kind, text };
  toasts = [...toasts, toast];
  publish();
  if (kind === 'confirmation') setTimeout(() => dismiss(toast.id), 5000);
}

export function showError(error: unknown): void {
  showToast('error', error instanceof Error ? error.message : String(error));
}

export function Toasts() {
  const [list, setList] = useState<Toast[]>(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => void listeners.delete(setList);
  }, []);
  return (
    <section class="toasts" aria-label="Notifications">
      {list.map((toast) => (
        <div key={toast.id} class={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          <span>{toast.text}</span>
          <button type="button" onClick={() => dismiss(toast.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}
