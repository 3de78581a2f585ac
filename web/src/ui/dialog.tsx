import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { showError } from './toasts.js';

/**
 * A modal dialog on the native <dialog> element: showModal() holds focus inside and Esc closes it; focus goes back
 * to the opener on close (docs/inbox.md#accessibility).
 */
export function Dialog(props: { title: string; role?: 'dialog' | 'alertdialog'; onClose: () => void; children: ComponentChildren; description?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    return () => opener?.focus();
  }, []);
  const titleId = `dialog-${props.title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <dialog
      ref={ref}
      class="dialog"
      role={props.role === 'alertdialog' ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.description ? <p>{props.description}</p> : null}
      {props.children}
    </dialog>
  );
}

/**
 * A destructive action asked once more: the confirming button (red) and Cancel. `onConfirm` does the work; the button
 * is disabled while it runs, and its failure is shown as an error toast.
 */
export function ConfirmDialog(props: { title: string; description: string; confirm: string; onConfirm: () => Promise<void>; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await props.onConfirm();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={props.title} role="alertdialog" onClose={props.onClose} description={props.description}>
      <div class="dialog-actions">
        <button type="button" class="danger" disabled={busy} onClick={() => void confirm()}>
          {props.confirm}
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
