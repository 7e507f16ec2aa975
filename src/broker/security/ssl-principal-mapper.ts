import type { X509Certificate } from 'node:crypto';
import { ConfigError } from '../../../storage/config/config-error.js';

interface MappingRule {
  readonly text: string;
  /** undefined: DEFAULT, the distinguished name as it is. */
  readonly pattern?: RegExp;
  readonly replacement?: string;
  readonly toCase?: 'L' | 'U';
}

/**
 * Kafka's SslPrincipalMapper (ssl.principal.mapping.rules, KIP-371): the
 * first rule whose pattern matches the whole distinguished name makes the
 * user name, `RULE:pattern/replacement/` with an optional L or U for case;
 * DEFAULT keeps the name as it is.
 */
export class SslPrincipalMapper {
  private readonly rules: MappingRule[];

  constructor(rules: string, key = 'ssl.principal.mapping.rules') {
    this.rules = parseRules(rules, key);
  }

  /** The user name for `dn`; throws when no rule applies (the connection is then refused, as Kafka does). */
  userName(dn: string): string {
    for (const rule of this.rules) {
      if (!rule.pattern) return dn;
      if (!rule.pattern.test(dn)) continue;
      const name = dn.replace(rule.pattern, rule.replacement!);
      return rule.toCase === 'L' ? name.toLowerCase() : rule.toCase === 'U' ? name.toUpperCase() : name;
    }
    throw new Error(`No rules apply to ${dn}, rules ${this.rules.map((r) => r.text).join(',')}`);
  }
}

function parseRules(text: string, key: string): MappingRule[] {
  const rules: MappingRule[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (rest.startsWith('DEFAULT')) {
      rules.push({ text: 'DEFAULT' });
      rest = rest.slice('DEFAULT'.length);
    } else {
      // RULE:pattern/replacement/[LU]: '/' inside the pattern or replacement is escaped as '\/'.
      const m = /^RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?)/.exec(rest);
      if (!m) throw new ConfigError(key, `'${rest}' is not a rule like RULE:^CN=(.*?),OU=.*$/$1/L or DEFAULT`);
      let pattern: RegExp;
      try {
        pattern = new RegExp(`^(?:${m[1]!.replace(/\\\//g, '/')})$`);
      } catch (e) {
        throw new ConfigError(key, `the pattern of ${m[0]} is not a regular expression: ${(e as Error).message}`);
      }
      rules.push({ text: m[0], pattern, replacement: m[2]!.replace(/\\\//g, '/'), toCase: (m[3] || undefined) as 'L' | 'U' | undefined });
      rest = rest.slice(m[0].length);
    }
    rest = rest.replace(/^\s*[,\n]?\s*/, '');
  }
  return rules;
}

/**
 * A certificate's subject as Java's X500Principal.getName() gives it (RFC
 * 2253): the most specific name first, `CN=alice,OU=eng,O=acme,C=US`.
 */
export function distinguishedName(cert: X509Certificate): string {
  return cert.subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .join(',');
}
