/**
 * Laravel's UrlWindow with `onEachSide = 3` (docs/pagination.md#metalinks-window): which page numbers `meta.links` lists.
 * Each inner array is a block of consecutive pages; a "..." gap goes between two blocks.
 */

const PAGES_ON_EACH_SIDE = 3;

function range(first: number, last: number): number[] {
  const pages: number[] = [];
  for (let page = first; page <= last; page += 1) pages.push(page);
  return pages;
}

export function pageWindowBlocks(lastPage: number, currentPage: number): number[][] {
  if (lastPage < PAGES_ON_EACH_SIDE * 2 + 8) {
    return [range(1, lastPage)];
  }
  const window = PAGES_ON_EACH_SIDE + 4;
  const start = [1, 2];
  const finish = [lastPage - 1, lastPage];
  if (currentPage <= window) {
    return [range(1, window + PAGES_ON_EACH_SIDE), finish];
  }
  if (currentPage > lastPage - window) {
    // Also covers pages beyond the end, which Laravel never clamps.
    return [start, range(lastPage - (window + PAGES_ON_EACH_SIDE - 1), lastPage)];
  }
  return [start, range(currentPage - PAGES_ON_EACH_SIDE, currentPage + PAGES_ON_EACH_SIDE), finish];
}
