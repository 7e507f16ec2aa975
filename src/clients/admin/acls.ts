import type { AclBinding, AclBindingFilter } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { CreateAclsResponse, DeleteAclsResponse, DescribeAclsResponse } from '../../protocol/messages/acls.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import { KafkaClientError, kafkaErrorFor } from '../network/errors.js';
import { final, type Outcome } from './admin-call.js';

// What Admin's ACL calls (Java's createAcls, describeAcls, deleteAcls) send and how their answers read.

export function createAclsBody(bindings: readonly AclBinding[]) {
  return {
    creations: bindings.map((b) => ({
      resourceType: b.pattern.resourceType,
      resourceName: b.pattern.name,
      resourcePatternType: b.pattern.patternType,
      principal: b.entry.principal,
      host: b.entry.host,
      operation: b.entry.operation,
      permissionType: b.entry.permissionType,
    })),
  };
}

/** Each binding's outcome, by position (the broker answers creations in order). */
export function createAclsOutcomes(r: MessageData<typeof CreateAclsResponse>, count: number): Array<Outcome<void>> {
  return Array.from({ length: count }, (_, i) => {
    const result = r.results[i];
    if (!result) return new KafkaClientError(`no CreateAcls result for creation ${i}`);
    return result.errorCode === ErrorCode.NONE ? undefined : final(kafkaErrorFor(result.errorCode, result.errorMessage));
  });
}

export function filterFields(f: AclBindingFilter) {
  return {
    resourceTypeFilter: f.pattern.resourceType,
    resourceNameFilter: f.pattern.name,
    patternTypeFilter: f.pattern.patternType,
    principalFilter: f.entry.principal,
    hostFilter: f.entry.host,
    operation: f.entry.operation,
    permissionType: f.entry.permissionType,
  };
}

export function describedBindings(r: MessageData<typeof DescribeAclsResponse>): AclBinding[] {
  if (r.errorCode !== ErrorCode.NONE) throw final(kafkaErrorFor(r.errorCode, r.errorMessage));
  return r.resources.flatMap((res) =>
    res.acls.map((a) => ({
      pattern: { resourceType: res.resourceType, name: res.resourceName, patternType: res.patternType },
      entry: { principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType },
    })),
  );
}

/** Each filter's outcome: the bindings it deleted, or its error (or the first deletion's that failed). */
export function deleteAclsOutcomes(r: MessageData<typeof DeleteAclsResponse>, count: number): Array<Outcome<AclBinding[]>> {
  return Array.from({ length: count }, (_, i) => {
    const result = r.filterResults[i];
    if (!result) return new KafkaClientError(`no DeleteAcls result for filter ${i}`);
    if (result.errorCode !== ErrorCode.NONE) return final(kafkaErrorFor(result.errorCode, result.errorMessage));
    const failed = result.matchingAcls.find((m) => m.errorCode !== ErrorCode.NONE);
    if (failed) return final(kafkaErrorFor(failed.errorCode, failed.errorMessage));
    return result.matchingAcls.map((m) => ({
      pattern: { resourceType: m.resourceType, name: m.resourceName, patternType: m.patternType },
      entry: { principal: m.principal, host: m.host, operation: m.operation, permissionType: m.permissionType },
    }));
  });
}
