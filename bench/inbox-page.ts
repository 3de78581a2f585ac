/**
 * What bench:inbox does inside Chromium: sign in on the login page as a person would, and note in the page itself when
 * the list's first page and a live message are on screen, in the frame that paints the change (a
 * requestAnimationFrame callback). The sign-in is timed by the page's own clock; a live message by wall-clock
 * milliseconds (Date.now()), which compare with the bench process's Date.now() on the same machine.
 */
import type { Page } from 'playwright-core';

/** Debian's Chromium, the browser of the inbox browser tests (playwright-core downloads none of its own). */
export const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';

export interface Login {
  email: string;
  password: string;
  tenant_id: number;
}

/**
 * What the page noted about the sign-in, in ms from the submission of the login form: the login's answer redirects
 * through the authorization endpoint to the inbox's page, and a navigation's time origin is the start of its first
 * request, so the inbox's document counts from the form's POST.
 */
interface FirstPageMarks {
  /** The inbox's page (the callback) has arrived: signed in. */
  pageArrived: number;
  /** The frame that paints the list's first page. */
  listShown: number;
  /** Requests in the navigation: the login's POST and its redirects (3 when the login page answered as expected). */
  requests: number;
}

/** Installed in every document of the page before its scripts: notes when the list "Conversations" holds `rows` rows. */
function noteFirstPage(rows: number): void {
  const observer = new MutationObserver(() => {
    const list = document.querySelector('ul[aria-label="Conversations"]');
    if (!list || list.children.length < rows) return;
    observer.disconnect();
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    requestAnimationFrame(() => {
      const marks: FirstPageMarks = { pageArrived: navigation.responseEnd, listShown: performance.now(), requests: navigation.redirectCount + 1 };
      (window as unknown as { benchFirstPage: FirstPageMarks }).benchFirstPage = marks;
    });
  });
  observer.observe(document, { childList: true, subtree: true });
}

export interface SignInTiming {
  /** From the submission of the login form to the frame painting the list's first page. */
  totalMs: number;
  /** Of which: until the inbox's page arrived (the login with its password check, the authorization redirect). */
  toPageMs: number;
}

/** Signs in on the server's login page and times the way from the form's submission to the list's first page. */
export async function timedSignIn(page: Page, base: string, login: Login, rows: number, timeoutMs = 30_000): Promise<SignInTiming> {
  await page.addInitScript(noteFirstPage, rows);
  await page.goto(`${base}/app`);
  await page.waitForURL(/\/oauth\/login/, { timeout: timeoutMs });
  await page.getByRole('textbox', { name: 'Email' }).fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const marks = (await (
    await page.waitForFunction(() => (window as unknown as { benchFirstPage?: FirstPageMarks }).benchFirstPage, undefined, { timeout: timeoutMs })
  ).jsonValue()) as FirstPageMarks;
  if (!new RegExp(`/app/t/${login.tenant_id}$`).test(page.url())) throw new Error(`signed in to ${page.url()}, not tenant ${login.tenant_id}'s list`);
  // Login POST → /oauth/authorize → /app/callback: otherwise the time origin is not the form's submission.
  if (marks.requests !== 3) throw new Error(`the inbox's page came after ${marks.requests} requests, not the login's 3`);
  return { totalMs: marks.listShown, toPageMs: marks.pageArrived };
}

/** When a message's text was first painted in the open thread and in the list ("Conversations" row preview). */
export interface LiveMarks {
  thread: number | null;
  list: number | null;
}

/** Arms the page to note when `text` shows in the thread's log and in a list row; read back with `liveMarks`. */
export async function watchForMessage(page: Page, text: string): Promise<void> {
  await page.evaluate((expected) => {
    const marks: LiveMarks = { thread: null, list: null };
    const seen = { thread: false, list: false };
    (window as unknown as { benchLive: LiveMarks }).benchLive = marks;
    const shows = (selector: string) => [...document.querySelectorAll(selector)].some((element) => element.textContent === expected);
    const check = () => {
      for (const [where, selector] of [
        ['thread', '[role="log"][aria-label="Messages"] article .text'],
        ['list', 'ul[aria-label="Conversations"] .row-preview'],
      ] as const) {
        if (seen[where] || !shows(selector)) continue;
        seen[where] = true;
        requestAnimationFrame(() => (marks[where] = Date.now()));
      }
      if (seen.thread && seen.list) observer.disconnect();
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    check();
  }, text);
}

/** Waits until both marks of `watchForMessage` are set (or the timeout passes) and answers them. */
export async function liveMarks(page: Page, timeoutMs: number): Promise<LiveMarks> {
  const read = () => page.evaluate(() => (window as unknown as { benchLive: LiveMarks }).benchLive);
  try {
    await page.waitForFunction(
      () => {
        const marks = (window as unknown as { benchLive: LiveMarks }).benchLive;
        return marks.thread !== null && marks.list !== null;
      },
      undefined,
      { timeout: timeoutMs },
    );
  } catch {
    // Reported as missing: the caller counts it.
  }
  return read();
}
