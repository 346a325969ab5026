// The peer of the side-by-side benchmark (bench/run.sh): node-oidc-provider (npm package oidc-provider, the version
// pinned in package.json) configured for the scenarios Dcr.Bench sends: RFC 7591 registration behind one static initial
// access token, RFC 7592 management with registration access token rotation, and client_credentials with the scope
// `api`.
//
// By default the peer keeps everything in memory in one process: clients, registration access tokens and access tokens
// live in a JavaScript Map inside this process. Nothing is written to disk, nothing is shared with another process, and
// a restart forgets every client. Our host, by contrast, writes every registration and every rotation durably to its
// database before it answers; PEER_STORE=durable (below) makes the peer do the same, for like-for-like writes.
//
// Storage (PEER_STORE):
// - unbounded (the default): node-oidc-provider's own in-memory adapter (lib/adapters/memory_adapter.js, the default
//   adapter), given an unbounded store. By default that adapter stores into a two-generation LRU of 1,000 entries per
//   generation (clients, registration access tokens and access tokens together), so whatever is not read while about
//   1,000 to 2,000 newer entries are written is dropped: registered clients are forgotten, and under the benchmark's mixed
//   load a registration access token now and then disappears between two uses (401 invalid_token). The unbounded store
//   keeps every entry until it expires (access tokens after their 600 s lifetime; clients and registration access tokens
//   never), like a database would.
// - durable: the same memory adapter over the same unbounded store, wrapped so that every upsert and destroy of the
//   Client and RegistrationAccessToken models is first appended as one JSON line to a journal file (PEER_JOURNAL,
//   default ./peer-journal.ndjson) and flushed to disk with fdatasync (FileHandle.datasync()) before the adapter call
//   resolves, and only then applied in memory: node-oidc-provider awaits each adapter call before it answers, so a
//   201 or a new registration access token is on disk when the client sees it, as with our host's database commit.
//   Writes go one at a time through one queue (each line its own write and its own flush; no batching of several
//   requests into one flush), like a store that commits every write on its own. node-oidc-provider saves the client
//   and the registration access token as separate adapter calls, so a registration is two flushed writes and a PUT
//   with rotation three (client, new token, old token destroyed). Reads come from memory; access tokens stay in memory
//   only (as our host keeps no row per access token). At start the journal, if present, is read back into memory.
// - lru: the library's default bounded store.
//
//   PEER_PORT=5056 PEER_INITIAL_ACCESS_TOKEN=bench-initial-access-token node server.mjs
//   PEER_STORE=durable PEER_JOURNAL=/tmp/peer-journal.ndjson node server.mjs
//
// Endpoints: registration POST /reg, management GET/PUT/DELETE /reg/<client_id>, token POST /token, discovery
// /.well-known/openid-configuration. One line is printed once it listens; nothing is logged per request.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

const host = '127.0.0.1';
const port = Number.parseInt(process.env.PEER_PORT ?? '5056', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`PEER_PORT: '${process.env.PEER_PORT}' is not a port number`);
  process.exit(2);
}

const initialAccessToken = process.env.PEER_INITIAL_ACCESS_TOKEN || 'bench-initial-access-token';
const storeKind = process.env.PEER_STORE || 'unbounded';
if (!['unbounded', 'durable', 'lru'].includes(storeKind)) {
  console.error(`PEER_STORE: '${storeKind}' is not one of 'unbounded', 'durable', 'lru'`);
  process.exit(2);
}

const issuer = `http://${host}:${port}`;
const clockTolerance = 15; // node-oidc-provider's default, which its memory adapter adds to every entry's lifetime

/** The store interface the memory adapter uses (get, set with maxAge in ms, delete), over one Map, without a bound. */
class UnboundedStore {
  #entries = new Map();

  get(key) {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiry !== undefined && entry.expiry <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key, value, { maxAge } = {}) {
    const expiry = typeof maxAge === 'number' && maxAge !== Number.POSITIVE_INFINITY ? Date.now() + maxAge : undefined;
    this.#entries.set(key, { value, expiry });
    return this;
  }

  has(key) {
    return this.get(key) !== undefined;
  }

  delete(key) {
    return this.#entries.delete(key);
  }

  /** Drops expired entries that nobody reads again (access tokens), as a database's expiry job would. */
  sweep() {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiry !== undefined && entry.expiry <= now) this.#entries.delete(key);
    }
  }
}

/** The models whose writes the durable store puts on disk: what a registration and a rotation create or replace. */
const durableModels = new Set(['Client', 'RegistrationAccessToken']);

/**
 * An append-only file of JSON lines, one per write, each flushed (fdatasync) before its promise resolves. Appends are
 * chained: the next write starts only after the previous one is on disk, so no flush ever covers two writes.
 */
class Journal {
  #handle;
  #tail = Promise.resolve();
  writes = 0;

  constructor(handle) {
    this.#handle = handle;
  }

  static async open(path) {
    return new Journal(await open(path, 'a'));
  }

  append(entry) {
    const line = `${JSON.stringify(entry)}\n`;
    const written = this.#tail.then(async () => {
      await this.#handle.appendFile(line, 'utf8');
      await this.#handle.datasync();
      this.writes += 1;
    });
    // A failed write fails its own adapter call (a 500) and does not stop the ones queued after it.
    this.#tail = written.catch(() => {});
    return written;
  }
}

/** The memory adapter, with the writes of the durable models on disk before they resolve and before memory sees them. */
class DurableAdapter extends MemoryAdapter {
  #journal;

  constructor(model, store, tolerance, journal) {
    super(model, store, tolerance);
    this.#journal = journal;
  }

  async upsert(id, payload, expiresIn) {
    if (durableModels.has(this.model)) {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
      await this.#journal.append({ op: 'upsert', model: this.model, id, payload, expiresAt });
    }
    return super.upsert(id, payload, expiresIn);
  }

  async destroy(id) {
    if (durableModels.has(this.model)) {
      await this.#journal.append({ op: 'destroy', model: this.model, id });
    }
    return super.destroy(id);
  }
}

/** Reads a journal back into memory at start: the last write of each entry wins, a destroy removes it. */
async function replayJournal(path, store) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return 0;
    throw error;
  }
  let entries = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a line cut short by a crash during its write was never acknowledged
    }
    const memory = new MemoryAdapter(entry.model, store, clockTolerance);
    if (entry.op === 'destroy') {
      await memory.destroy(entry.id);
    } else if (entry.expiresAt === undefined || entry.expiresAt > Date.now()) {
      const expiresIn = entry.expiresAt === undefined ? undefined : Math.ceil((entry.expiresAt - Date.now()) / 1000);
      await memory.upsert(entry.id, entry.payload, expiresIn);
    }
    entries += 1;
  }
  return entries;
}

let adapter; // undefined: the library's default (the memory adapter over its bounded LRU)
let journal;
const journalPath = process.env.PEER_JOURNAL || 'peer-journal.ndjson';
if (storeKind === 'unbounded' || storeKind === 'durable') {
  const store = new UnboundedStore();
  setInterval(() => store.sweep(), 30_000).unref();
  if (storeKind === 'durable') {
    const replayed = await replayJournal(journalPath, store);
    journal = await Journal.open(journalPath);
    if (replayed > 0) console.log(`replayed ${replayed} journal entries from ${journalPath}`);
    adapter = (model) => new DurableAdapter(model, store, clockTolerance, journal);
  } else {
    adapter = (model) => new MemoryAdapter(model, store, clockTolerance);
  }
}

// Production-like keys instead of the library's development keystore: a fresh RSA signing key per start (nothing the
// benchmark does is signed with it: client_credentials access tokens without resource indicators are opaque).
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const configuration = {
  ...(adapter ? { adapter } : {}),
  clockTolerance,
  // No static clients: every client comes through dynamic registration.
  clients: [],
  jwks: { keys: [{ ...signingKey, kid: 'bench-rs256', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  // `api` must be a scope the provider knows: client metadata `scope` may only name supported scopes, and a
  // client_credentials request for `api` is then allowed for a client that registered it. No resource indicators
  // (features.resourceIndicators stays off): the access token is the provider's opaque one, stored in the adapter.
  scopes: ['openid', 'offline_access', 'api'],
  features: {
    // No login or consent pages: the benchmark never uses the authorization endpoint.
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // A string: one static initial access token, compared in constant time (no lookup).
    registration: { enabled: true, initialAccessToken },
    // PUT answers with a new registration access token and invalidates the old one. GET rotates nothing, and the
    // client_secret is kept on both (node-oidc-provider has no client secret rotation on management calls).
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
  },
};

const provider = new Provider(issuer, configuration);

// Server errors only (a 500 is a bug worth seeing); client errors (400, 401) are answers, not noise.
provider.on('server_error', (_ctx, error) => console.error('server_error', error));

const server = createServer(provider.callback());
// Keep-alive as long as Kestrel's default (130 s), so that the load tool's idle connections are not closed under it.
server.keepAliveTimeout = 130_000;
server.headersTimeout = 131_000;
server.listen(port, host, () => {
  const { version } = createRequire(import.meta.url)('oidc-provider/package.json');
  const storage = storeKind === 'durable'
    ? `durable store: clients and registration access tokens flushed to ${journalPath} before each answer, the rest in memory`
    : `${storeKind} in-memory store`;
  console.log(`oidc-provider ${version} (node ${process.version}, ${storage}) listening on ${issuer}: registration ${issuer}/reg, token ${issuer}/token`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
