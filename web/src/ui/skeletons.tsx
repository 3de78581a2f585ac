/**
 * Loading placeholders shaped like what they stand for (docs/inbox.md#loading-and-errors): list rows with an avatar,
 * a name and a preview line; a thread of alternating bubbles. They are hidden from assistive technology, which hears
 * the pane's `status` ("Loading conversations…", "Loading messages…") instead.
 */

/** Widths vary from row to row, so the placeholder reads as a list rather than a block. */
const NAME_WIDTHS = ['w-40', 'w-55', 'w-35', 'w-50', 'w-45', 'w-60', 'w-40', 'w-50'];
const PREVIEW_WIDTHS = ['w-80', 'w-65', 'w-90', 'w-70', 'w-85', 'w-60', 'w-75', 'w-90'];

export function ListSkeleton() {
  return (
    <>
      <p class="visually-hidden" role="status">
        Loading conversations…
      </p>
      <ul class="rows skeleton" aria-hidden="true">
        {NAME_WIDTHS.map((width, index) => (
          <li key={index} class="skeleton-row">
            <span class="avatar skeleton-shape" />
            <span class="row-main">
              <span class={`skeleton-line skeleton-shape ${width}`} />
              <span class={`skeleton-line skeleton-shape ${PREVIEW_WIDTHS[index]}`} />
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Customer bubbles on the left, ours on the right, as the thread lays them out. */
const BUBBLES: { outgoing: boolean; lines: string[] }[] = [
  { outgoing: false, lines: ['w-70', 'w-45'] },
  { outgoing: true, lines: ['w-80'] },
  { outgoing: false, lines: ['w-55'] },
  { outgoing: true, lines: ['w-90', 'w-60', 'w-35'] },
  { outgoing: false, lines: ['w-65', 'w-40'] },
];

export function ThreadSkeleton() {
  return (
    <>
      <p class="visually-hidden" role="status">
        Loading messages…
      </p>
      <div class="messages skeleton" aria-hidden="true">
        {BUBBLES.map((bubble, index) => (
          <div key={index} class={`message skeleton-bubble${bubble.outgoing ? ' outgoing' : ''}`}>
            <span class="skeleton-line skeleton-shape skeleton-head" />
            {bubble.lines.map((width, line) => (
              <span key={line} class={`skeleton-line skeleton-shape ${width}`} />
            ))}
          </div>
        ))}
      </div>
    </>
  );
}
