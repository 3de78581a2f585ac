/** Inline SVG icons (bundled, no icon font). Decorative ones are hidden; named ones carry role="img" and a label. */
const PATHS: Record<string, string> = {
  whatsapp: 'M12 3a9 9 0 0 0-7.8 13.5L3 21l4.6-1.2A9 9 0 1 0 12 3z',
  instagram: 'M7 3h10a4 4 0 0 1 4 4v10a4 4 0 0 1-4 4H7a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4zm5 5a4 4 0 1 0 0 8 4 4 0 0 0 0-8z',
  telegram: 'M21 4 3 11l6 2 2 6 3-4 5 4z',
  website: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18',
  outgoing: 'M5 19 19 5M9 5h10v10',
  paused: 'M8 5v14M16 5v14',
  blocked: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM5.6 5.6l12.8 12.8',
  queued: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 3',
  sent: 'M5 12l4 4L19 6',
  delivered: 'M2 12l4 4L16 6M9 15l1 1L20 6',
  read: 'M2 12l4 4L16 6M9 15l1 1L20 6',
  failed: 'M12 3 2 21h20zM12 10v5M12 18v.5',
};

export function Icon(props: { name: string; label?: string }) {
  const path = PATHS[props.name];
  if (!path) return null;
  const named = props.label !== undefined;
  return (
    <svg
      class={`icon icon-${props.name}`}
      viewBox="0 0 24 24"
      width="16"
      height="16"
      role={named ? 'img' : undefined}
      aria-label={props.label}
      aria-hidden={named ? undefined : 'true'}
      focusable="false"
    >
      <path d={path} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}
