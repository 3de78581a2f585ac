import type { AppDeps } from '../../src/app-deps.js';
import { randomString } from '../../src/platform/crypto.js';
import { seedDemoTenant, type SeedResult } from '../../src/modules/demo/seed.js';
import { hashPassword } from '../../src/modules/users/user.repository.js';

/**
 * The tests' tenant factory: the demo seeder's tenant (roles, Owner, "Demo App", four channels, and the demo
 * conversations when asked for), without its two costs that only a real demo needs. Every Owner of a test process
 * shares one password, hashed once (argon2 is most of a small seed's time), and the planner statistics are left
 * alone (tests that check plans analyze their own tables). The result is the `seed --json` object, as before.
 */
let login: Promise<{ password: string; passwordHash: string }> | undefined;

function sharedLogin(): Promise<{ password: string; passwordHash: string }> {
  login ??= (async () => {
    const password = randomString(20);
    return { password, passwordHash: await hashPassword(password) };
  })();
  return login;
}

export async function seedTestTenant(deps: AppDeps, options: { conversations?: number; customers?: number } = {}): Promise<SeedResult> {
  const conversations = options.conversations ?? 0;
  return seedDemoTenant(deps, {
    conversations,
    customers: options.customers ?? Math.max(conversations, 1),
    issuer: 'http://localhost:8080',
    login: await sharedLogin(),
    analyze: false,
  });
}
