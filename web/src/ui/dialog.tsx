import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

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

/** A destructive action asked once more: the confirming button (red) and Cancel. */
export function ConfirmDialog(props: { title: string; description: string; confirm: string; busy: boolean; onConfirm: () => void; onClose: () => void }) {
  return (
    <Dialog title={props.title} role="alertdialog" onClose={props.onClose} description={props.description}>
      <div class="dialog-actions">
        <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirm}
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
