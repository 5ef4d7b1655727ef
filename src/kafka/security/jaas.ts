/** A `sasl.jaas.config` value: the login module and its options (username, password...). */
export interface JaasConfig {
  /** Simple class name, e.g. ScramLoginModule. */
  module: string;
  options: Record<string, string>;
}

/**
 * Parses `<module class> <flag> key="value" ... ;`, the one-entry form Kafka clients take, e.g.
 * `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cret";`.
 * Values may be double- or single-quoted (with backslash escapes) or bare. Undefined when the text does
 * not have that form; the caller's message must not echo the text, which holds a password.
 */
export function parseJaasConfig(text: string): JaasConfig | undefined {
  const head = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b/i.exec(text);
  if (!head) return undefined;
  const options: Record<string, string> = {};
  let rest = text.slice(head[0].length);
  const option = /^\s*([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s;"']+))/;
  for (let m = option.exec(rest); m; m = option.exec(rest)) {
    const quoted = m[2] ?? m[3];
    options[m[1]] = quoted === undefined ? m[4] : quoted.replace(/\\(.)/g, '$1');
    rest = rest.slice(m[0].length);
  }
  if (!/^\s*;?\s*$/.test(rest)) return undefined;
  return { module: head[1].split('.').pop() ?? head[1], options };
}
