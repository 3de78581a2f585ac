import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
let t = Date.now();
const raw = await PGlite.create({ extensions: { pg_trgm } });
await raw.exec('create extension pg_trgm; create table x(a int)');
const dump = await raw.dumpDataDir('none');
console.log('create+dump', Date.now() - t, dump.size); t = Date.now();
const again = await PGlite.create({ extensions: { pg_trgm }, loadDataDir: dump });
console.log('load', Date.now() - t, (await again.query('select count(*) from x')).rows); t = Date.now();
