import { type AclBinding, AclPermissionType } from '../../../src/protocol/acl.js';

/** A binding for tests: the pattern, the principal and operation, ALLOW and any host unless told. */
export function acl(
  resourceType: number,
  name: string,
  patternType: number,
  principal: string,
  operation: number,
  permissionType: number = AclPermissionType.ALLOW,
  host = '*',
): AclBinding {
  return { pattern: { resourceType, name, patternType }, entry: { principal, host, operation, permissionType } };
}
