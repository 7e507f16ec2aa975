/**
 * A client quota entity (KIP-546): a user, a client id, or both; `null` is
 * the default entity of its type (Kafka's `<default>`), a missing part is
 * not part of the entity.
 */
export interface QuotaEntity {
  readonly user?: string | null;
  readonly clientId?: string | null;
}

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const DEFAULT_NAME = '<default>';

/** The quota keys samsa applies, with whether their values must be whole numbers. */
export const QUOTA_KEYS: Readonly<Record<string, { integral: boolean }>> = {
  producer_byte_rate: { integral: true },
  consumer_byte_rate: { integral: true },
  request_percentage: { integral: false },
  controller_mutation_rate: { integral: false },
};

/** A stable key for an entity, as Kafka's ZooKeeper path names it (users/alice/clients/<default>), names URL-encoded as Kafka sanitizes them. */
export function entityKey(e: QuotaEntity): string {
  const name = (n: string | null) => (n === null ? DEFAULT_NAME : encodeURIComponent(n));
  const parts: string[] = [];
  if (e.user !== undefined) parts.push(`users/${name(e.user)}`);
  if (e.clientId !== undefined) parts.push(`clients/${name(e.clientId)}`);
  return parts.join('/');
}

/** The entity a key names (entityKey's inverse). */
export function entityOfKey(key: string): QuotaEntity {
  const parts = key.split('/');
  const name = (s: string) => (s === DEFAULT_NAME ? null : decodeURIComponent(s));
  const out: { user?: string | null; clientId?: string | null } = {};
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i] === 'users') out.user = name(parts[i + 1]!);
    else if (parts[i] === 'clients') out.clientId = name(parts[i + 1]!);
  }
  return out;
}

/**
 * The entities whose quotas apply to a connection's user and client id, most
 * specific first (Kafka's order): user and client id, user and default client,
 * user, default user and client id, default user and default client, default
 * user, client id, default client.
 */
export function entitiesFor(user: string, clientId: string): QuotaEntity[] {
  return [
    { user, clientId },
    { user, clientId: null },
    { user },
    { user: null, clientId },
    { user: null, clientId: null },
    { user: null },
    { clientId },
    { clientId: null },
  ];
}
