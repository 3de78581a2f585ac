/** Types of client.mjs, for the test that runs the example. */
export interface FlowOptions {
  baseUrl: string;
  clientId: string;
  clientSecret?: string | null;
  redirectUri: string;
  scope: string;
  openBrowser: (url: string) => Promise<void>;
  log?: (line: string) => void;
}

export function runFlow(options: FlowOptions): Promise<{
  tokens: { access_token: string; refresh_token: string; scope: string; expires_in: number };
  tenants: { data: Array<{ id: number; name: string }> };
  conversations: { meta: { total: number } };
  refreshed: { access_token: string; refresh_token: string };
}>;
