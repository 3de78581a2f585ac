import { useEffect, useRef } from 'preact/hooks';
import { Dialog } from './dialog.js';

interface ShortcutActions {
  next: () => void;
  previous: () => void;
  done: () => void;
  help: () => void;
}

/** Single keys act only outside text fields, selects and editable elements, and without Ctrl, Alt or Meta. */
function typingInto(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) return false;
  return element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName);
}

/** The keyboard shortcuts of docs/inbox.md#keyboard-shortcuts: j, k, e, /, r, ?. Esc is handled where it applies. */
export function useShortcuts(actions: ShortcutActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
      if (event.key === 'Escape' && typingInto(event.target) && (event.target as HTMLElement).id !== 'message') {
        (event.target as HTMLElement).blur();
        return;
      }
      if (typingInto(event.target) || document.querySelector('dialog[open]')) return;
      const handlers: Record<string, () => void> = {
        j: () => latest.current.next(),
        k: () => latest.current.previous(),
        e: () => latest.current.done(),
        '?': () => latest.current.help(),
        '/': () => document.getElementById('search')?.focus(),
        r: () => document.getElementById('message')?.focus(),
      };
      const handler = handlers[event.key];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

const SHORTCUTS: [string, string][] = [
  ['j / k', 'Open the next / previous conversation'],
  ['e', 'Done: mark read and open the next unread conversation'],
  ['/', 'Search conversations'],
  ['r', 'Write a reply'],
  ['Esc', 'Leave the composer or the search, close a dialog or menu'],
  ['?', 'Show these shortcuts'],
  ['Enter / Shift+Enter', 'In the composer: send / new line'],
];

export function ShortcutsDialog(props: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={props.onClose}>
      <dl class="shortcuts">
        {SHORTCUTS.map(([key, text]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{text}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={props.onClose}>
        Close
      </button>
    </Dialog>
  );
}
