/** One login module of a JAAS configuration: `org…PlainLoginModule required user_alice="secret";` */
export interface JaasLoginModule {
  readonly loginModule: string;
  readonly controlFlag: 'required' | 'requisite' | 'sufficient' | 'optional';
  readonly options: ReadonlyMap<string, string>;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** sasl.jaas.config is not JAAS; the message never quotes the text, which holds passwords. */
export class JaasConfigError extends Error {}

/**
 * Parses sasl.jaas.config as Kafka's JaasConfig does: one or more
 * `<class> <flag> [name=value]… ;` entries, values bare words or double-quoted
 * (backslash escapes the next character). Used by the broker (PLAIN's users)
 * and the clients (their username and password).
 */
export function parseJaasConfig(text: string): JaasLoginModule[] {
  const tokens = tokenize(text);
  const modules: JaasLoginModule[] = [];
  let i = 0;
  const next = () => tokens[i++];
  while (i < tokens.length) {
    const loginModule = next()!;
    if (loginModule.quoted || !/^[A-Za-z_$][\w$.]*$/.test(loginModule.text)) throw new JaasConfigError('expected a login module class name');
    const flag = next();
    if (!flag || flag.quoted || !FLAGS.has(flag.text.toLowerCase()))
      throw new JaasConfigError(`expected a control flag (required, requisite, sufficient, optional) after ${loginModule.text}`);
    const options = new Map<string, string>();
    for (;;) {
      const t = next();
      if (!t) throw new JaasConfigError(`the entry for ${loginModule.text} does not end with ';'`);
      if (!t.quoted && t.text === ';') break;
      const eq = next();
      const value = next();
      if (t.quoted || !eq || eq.quoted || eq.text !== '=' || !value || (!value.quoted && (value.text === ';' || value.text === '='))) {
        throw new JaasConfigError(`expected name=value options in the entry for ${loginModule.text}`);
      }
      options.set(t.text, value.text);
    }
    modules.push({ loginModule: loginModule.text, controlFlag: flag.text.toLowerCase() as JaasLoginModule['controlFlag'], options });
  }
  if (modules.length === 0) throw new JaasConfigError('holds no login module');
  return modules;
}

interface Token {
  text: string;
  quoted: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === ';' || c === '=') {
      tokens.push({ text: c, quoted: false });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new JaasConfigError('has a quoted value that does not end');
        const d = text[i++]!;
        if (d === '"') break;
        if (d === '\\' && i < text.length) value += text[i++]!;
        else value += d;
      }
      tokens.push({ text: value, quoted: true });
    } else {
      const start = i;
      while (i < text.length && !/[\s;="]/.test(text[i]!)) i++;
      tokens.push({ text: text.slice(start, i), quoted: false });
    }
  }
  return tokens;
}
