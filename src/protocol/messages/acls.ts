import { array, field, message, struct } from '../schema/schema.js';

// KIP-140 (ACL admin APIs), KIP-290 (pattern types, v1) and v3's USER resource type.
export const DescribeAclsRequest = message('DescribeAclsRequest', 29, 'request', '0-3', '2+', [
  field('ResourceTypeFilter', 'int8', '0+'),
  field('ResourceNameFilter', 'string', '0+', { nullable: '0+' }),
  field('PatternTypeFilter', 'int8', '1+', { default: 3 }),
  field('PrincipalFilter', 'string', '0+', { nullable: '0+' }),
  field('HostFilter', 'string', '0+', { nullable: '0+' }),
  field('Operation', 'int8', '0+'),
  field('PermissionType', 'int8', '0+'),
]);

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
        field(
          'Acls',
          array(
            struct('AclDescription', [
              field('Principal', 'string', '0+'),
              field('Host', 'string', '0+'),
              field('Operation', 'int8', '0+'),
              field('PermissionType', 'int8', '0+'),
            ]),
          ),
          '0+',
        ),
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
  field(
    'Filters',
    array(
      struct('DeleteAclsFilter', [
        field('ResourceTypeFilter', 'int8', '0+'),
        field('ResourceNameFilter', 'string', '0+', { nullable: '0+' }),
        field('PatternTypeFilter', 'int8', '1+', { default: 3 }),
        field('PrincipalFilter', 'string', '0+', { nullable: '0+' }),
        field('HostFilter', 'string', '0+', { nullable: '0+' }),
        field('Operation', 'int8', '0+'),
        field('PermissionType', 'int8', '0+'),
      ]),
    ),
    '0+',
  ),
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
              field('Principal', 'string', '0+'),
              field('Host', 'string', '0+'),
              field('Operation', 'int8', '0+'),
              field('PermissionType', 'int8', '0+'),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
