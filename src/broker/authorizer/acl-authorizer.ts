import {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPermissionType,
  bindingKey,
  filterMatches,
  invalidBindingReason,
  PatternType,
  patternApplies,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
} from '../../protocol/acl.js';
import { formatPrincipal, type KafkaPrincipal } from '../security/kafka-principal.js';
import type { AclStore } from './acl-store.js';

/** Operations an ALLOW of another operation grants too (Kafka's implied operations). */
const IMPLIED_BY: ReadonlyMap<number, readonly number[]> = new Map([
  [AclOperation.DESCRIBE, [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]],
  [AclOperation.DESCRIBE_CONFIGS, [AclOperation.ALTER_CONFIGS]],
]);

/** Cached per-resource ACL lists past this many are dropped (resource names are chosen by clients). */
const MAX_CACHED_RESOURCES = 10_000;

/** A binding CreateAcls refused, with the reason. */
export class InvalidAclError extends Error {}

/**
 * Kafka's AclAuthorizer (and KRaft's StandardAuthorizer, which decides the
 * same way): a request's principal, from its host, may perform an operation
 * on a resource when it is a super user, or when no DENY binding applies to
 * it and an ALLOW binding does (for the operation, ALL, or an operation that
 * implies it). A binding applies to a resource when its pattern covers the
 * name (literal, the literal wildcard, or a prefix), its principal is the
 * request's or User:*, and its host the request's or *. A resource no binding
 * covers is open to everyone only with allow.everyone.if.no.acl.found.
 */
export class AclAuthorizer {
  private bindings: AclBinding[] = [];
  private keys = new Set<string>();
  /** Bindings by resource type and name, the ones that cover that resource. */
  private readonly covering = new Map<string, AclBinding[]>();
  /** Changes are written one after another, each in full. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: AclStore,
    private readonly superUsers: ReadonlySet<string>,
    private readonly allowEveryoneIfNoAclFound: boolean,
  ) {}

  static async open(store: AclStore, superUsers: ReadonlySet<string>, allowEveryoneIfNoAclFound: boolean): Promise<AclAuthorizer> {
    const authorizer = new AclAuthorizer(store, superUsers, allowEveryoneIfNoAclFound);
    authorizer.replace(await store.load());
    store.watch?.((all) => authorizer.replace(all));
    return authorizer;
  }

  /** Whether `principal`, connected from `host`, may perform `operation` on the resource. */
  authorize(principal: KafkaPrincipal, host: string, operation: number, resourceType: number, name: string): boolean {
    const who = formatPrincipal(principal);
    if (this.superUsers.has(who)) return true;
    const acls = this.coveringAcls(resourceType, name);
    const applies = (b: AclBinding, op: number) =>
      (b.entry.principal === who || b.entry.principal === WILDCARD_PRINCIPAL) &&
      (b.entry.host === host || b.entry.host === WILDCARD_HOST) &&
      (b.entry.operation === op || b.entry.operation === AclOperation.ALL);
    if (acls.some((b) => b.entry.permissionType === AclPermissionType.DENY && applies(b, operation))) return false;
    if (acls.length === 0) return this.allowEveryoneIfNoAclFound;
    const granting = [operation, ...(IMPLIED_BY.get(operation) ?? [])];
    return acls.some((b) => b.entry.permissionType === AclPermissionType.ALLOW && granting.some((op) => applies(b, op)));
  }

  /**
   * Whether `principal` may perform `operation` on some resource of the type
   * (KIP-679, InitProducerId without a transactional id asks it for WRITE on
   * topics): an ALLOW for it that no DENY covers, as Kafka's default
   * Authorizer.authorizeByResourceType decides.
   */
  authorizeAny(principal: KafkaPrincipal, host: string, operation: number, resourceType: number): boolean {
    // Kafka asks for a made-up name first: super users, wildcard grants and allow.everyone.if.no.acl.found pass here.
    if (this.authorize(principal, host, operation, resourceType, 'hardcode')) return true;
    const who = formatPrincipal(principal);
    const applies = (b: AclBinding) =>
      b.pattern.resourceType === resourceType &&
      (b.entry.principal === who || b.entry.principal === WILDCARD_PRINCIPAL) &&
      (b.entry.host === host || b.entry.host === WILDCARD_HOST) &&
      (b.entry.operation === operation || b.entry.operation === AclOperation.ALL);
    const denied = this.bindings.filter((b) => b.entry.permissionType === AclPermissionType.DENY && applies(b));
    const deniedLiterals = new Set(denied.filter((b) => b.pattern.patternType === PatternType.LITERAL).map((b) => b.pattern.name));
    const deniedPrefixes = denied.filter((b) => b.pattern.patternType === PatternType.PREFIXED).map((b) => b.pattern.name);
    if (deniedLiterals.has(WILDCARD_RESOURCE) || deniedPrefixes.includes('')) return false;
    return this.bindings.some(
      (b) =>
        b.entry.permissionType === AclPermissionType.ALLOW &&
        applies(b) &&
        !deniedPrefixes.some((p) => b.pattern.name.startsWith(p)) &&
        (b.pattern.patternType !== PatternType.LITERAL || !deniedLiterals.has(b.pattern.name)),
    );
  }

  /** The bindings `filter` matches. */
  acls(filter: AclBindingFilter): AclBinding[] {
    return this.bindings.filter((b) => filterMatches(filter, b));
  }

  /** Adds bindings (one already there is a success); resolves, per binding, to undefined or the InvalidAclError that refused it, once stored. */
  createAcls(bindings: readonly AclBinding[]): Promise<Array<InvalidAclError | undefined>> {
    return this.change(() => {
      const results = bindings.map((b) => {
        const reason = invalidBindingReason(b);
        return reason === undefined ? undefined : new InvalidAclError(reason);
      });
      const next = [...this.bindings];
      const keys = new Set(this.keys);
      bindings.forEach((b, i) => {
        if (results[i] !== undefined || keys.has(bindingKey(b))) return;
        keys.add(bindingKey(b));
        next.push(b);
      });
      return { next, results };
    });
  }

  /** Removes every binding each filter matches; resolves, per filter, to the bindings it removed, once stored. */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return this.change(() => {
      const results = filters.map((f) => this.bindings.filter((b) => filterMatches(f, b)));
      const removed = new Set(results.flat().map(bindingKey));
      return { next: this.bindings.filter((b) => !removed.has(bindingKey(b))), results };
    });
  }

  private change<R>(plan: () => { next: AclBinding[]; results: R }): Promise<R> {
    const done = this.writes.then(async () => {
      const { next, results } = plan();
      if (next.length !== this.bindings.length || next.some((b, i) => b !== this.bindings[i])) {
        await this.store.save(next, this.bindings);
        this.replace(next);
      }
      return results;
    });
    this.writes = done.catch(() => undefined);
    return done;
  }

  private replace(all: readonly AclBinding[]): void {
    this.bindings = [...all];
    this.keys = new Set(all.map(bindingKey));
    this.covering.clear();
  }

  private coveringAcls(resourceType: number, name: string): AclBinding[] {
    const key = `${resourceType}\0${name}`;
    let acls = this.covering.get(key);
    if (acls === undefined) {
      acls = this.bindings.filter((b) => b.pattern.resourceType === resourceType && patternApplies(b.pattern, name));
      if (this.covering.size >= MAX_CACHED_RESOURCES) this.covering.clear();
      this.covering.set(key, acls);
    }
    return acls;
  }
}
