import { array, field, message, struct } from '../schema/schema.js';

// KIP-140 (ACL admin APIs), KIP-290 (pattern types, v1) and v3's USER resource type.
/** What DescribeAcls asks for and each DeleteAcls filter names: null name, principal or host and ANY codes match anything. */
const FILTER_FIELDS = [
  field('ResourceTypeFilter', 'int8', '0+'),
  field('ResourceNameFilter', 'string', '0+', { nullable: '0+' }),
  field('PatternTypeFilter', 'int8', '1+', { default: 3 }),
  field('PrincipalFilter', 'string', '0+', { nullable: '0+' }),
  field('HostFilter', 'string', '0+', { nullable: '0+' }),
  field('Operation', 'int8', '0+'),
  field('PermissionType', 'int8', '0+'),
] as const;

/** A binding's entry as the responses list it. */
const ENTRY_FIELDS = [
  field('Principal', 'string', '0+'),
  field('Host', 'string', '0+'),
  field('Operation', 'int8', '0+'),
  field('PermissionType', 'int8', '0+'),
] as const;

export const DescribeAclsRequest = message('DescribeAclsRequest', 29, 'request', '0-3', '2+', [...FILTER_FIELDS]);

export const DescribeAclsResponse = message('DescribeAclsResponse', 29, 'response', '0-3', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
  field(
    'Resources',
    array(
      struct('DescribeAclsResource', [
        field('ResourceType', 'int8', '0+'),
        field('ResourceName', 'string', '0+'),
        field('PatternType', 'int8', '1+', { default: 3 }),
        field('Acls', array(struct('AclDescription', [...ENTRY_FIELDS])), '0+'),
      ]),
    ),
    '0+',
  ),
]);

export const CreateAclsRequest = message('CreateAclsRequest', 30, 'request', '0-3', '2+', [
  field(
    'Creations',
    array(
      struct('AclCreation', [
        field('ResourceType', 'int8', '0+'),
        field('ResourceName', 'string', '0+'),
        field('ResourcePatternType', 'int8', '1+', { default: 3 }),
        field('Principal', 'string', '0+'),
        field('Host', 'string', '0+'),
        field('Operation', 'int8', '0+'),
        field('PermissionType', 'int8', '0+'),
      ]),
    ),
    '0+',
  ),
]);

export const CreateAclsResponse = message('CreateAclsResponse', 30, 'response', '0-3', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Results',
    array(struct('AclCreationResult', [field('ErrorCode', 'int16', '0+'), field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null })])),
    '0+',
  ),
]);

export const DeleteAclsRequest = message('DeleteAclsRequest', 31, 'request', '0-3', '2+', [
  field('Filters', array(struct('DeleteAclsFilter', [...FILTER_FIELDS])), '0+'),
]);

export const DeleteAclsResponse = message('DeleteAclsResponse', 31, 'response', '0-3', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'FilterResults',
    array(
      struct('DeleteAclsFilterResult', [
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
        field(
          'MatchingAcls',
          array(
            struct('DeleteAclsMatchingAcl', [
              field('ErrorCode', 'int16', '0+'),
              field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
              field('ResourceType', 'int8', '0+'),
              field('ResourceName', 'string', '0+'),
              field('PatternType', 'int8', '1+', { default: 3 }),
              ...ENTRY_FIELDS,
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
