// Keeps secrets out of logs and messages: one place that knows what a secret looks like. The
// logger runs every finished line through redactLine: credential- and URL-named keys at any depth
// and in any case, then URLs' passwords, `password=` pairs and HTTP credentials inside any string
// (messages, error messages and stacks included).

export const CENSOR = '[redacted]';

/** Words that make a key a credential (password, DASHBOARD_TOKEN, Authorization, sslPassword, x-api-key...). */
const CREDENTIAL_WORDS = new Set(['password', 'passwd', 'pwd', 'passphrase', 'sslpassword', 'secret', 'token', 'authorization', 'auth', 'cookie', 'credential', 'credentials', 'apikey', 'privatekey']);
const CREDENTIAL_PAIRS = /(^|_)(api_key|private_key|access_key|set_cookie)(_|$)/;
/** Words that make a key a URL or connection string (url, databaseUrl, DATABASE_URL, connectionString...). */
const URL_WORDS = new Set(['url', 'uri', 'dsn', 'href']);
const URL_PAIRS = /(^|_)connection_string(_|$)/;
/** Query parameters (and libpq keywords) that carry a secret. */
const SECRET_PARAM = /^(password|passwd|pass|pwd|sslpassword|secret|token|access_?token|api_?key|auth|authorization|sig|signature|credentials?)$/i;

/** A URL with a scheme, inside free text; it ends at white space, quotes or brackets. */
// A backslash ends it too: in a JSON line it escapes the next character, which must stay intact.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s"'<>`)\]}\\]+/gi;
/** `password=...` and the like in free text (libpq keyword strings, query strings without a scheme). */
const SECRET_PAIR_IN_TEXT = /\b(password|passwd|pwd|sslpassword|secret|token|access_token|api_?key)=([^\s&;"']+)/gi;
/** An HTTP credential in free text: `Bearer abc`, `Basic dXNlcjpwYXNz`. */
const AUTH_IN_TEXT = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g;

/** databaseUrl, DATABASE_URL, database-url and database.url all become database_url. */
const normalise = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-.\s]/g, '_').toLowerCase();

/** True for a key that names a credential, in any case and with any separators. */
export function isCredentialKey(key: string): boolean {
  const k = normalise(key);
  return k.split('_').some((word) => CREDENTIAL_WORDS.has(word)) || CREDENTIAL_PAIRS.test(k);
}

/** True for a key that names a URL or a connection string. */
export function isUrlKey(key: string): boolean {
  const k = normalise(key);
  return k.split('_').some((word) => URL_WORDS.has(word)) || URL_PAIRS.test(k);
}

/**
 * postgres://user:secret@host/db?password=x -> postgres://user:***@host/db?password=***: the
 * password in the user part and every secret-named query parameter are hidden; a URL with
 * neither is returned as it was, anything unparseable is hidden whole.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparseable URL hidden)';
  }
  let hidden = false;
  if (parsed.password !== '' && parsed.password !== '***') {
    parsed.password = '***';
    hidden = true;
  }
  for (const [name, value] of [...parsed.searchParams]) {
    if (SECRET_PARAM.test(name) && value !== '***') {
      parsed.searchParams.set(name, '***');
      hidden = true;
    }
  }
  // URLSearchParams re-encodes '*' as %2A; keep the mask readable.
  return hidden ? parsed.toString().replaceAll('%2A%2A%2A', '***') : url;
}

/** Hides URLs' credentials, `password=...` pairs and HTTP credentials inside free text. */
export function redactText(text: string): string {
  // A cheap test first: most log strings hold none of these.
  if (!/:\/\/|=|Bearer|Basic/.test(text)) return text;
  return text
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(SECRET_PAIR_IN_TEXT, (_, key: string) => `${key}=***`)
    .replace(AUTH_IN_TEXT, (_, scheme: string) => `${scheme} ${CENSOR}`);
}

/** A "key":"string" pair of a JSON line (keys and values with their JSON escapes). */
const JSON_STRING_PAIR = /"((?:[^"\\]|\\.){1,128})":"((?:[^"\\]|\\.)*)"/g;

/**
 * A finished JSON log line with every secret hidden: the string value of any credential-named key
 * is censored and of any URL-named key redacted, at any depth (the line is flat text, so the
 * child loggers' bindings, nested objects and serialised errors are all covered in one pass);
 * then the free text of every string (messages, error messages, stacks) through redactText.
 */
export function redactLine(line: string): string {
  const keyed = line.replace(JSON_STRING_PAIR, (pair, key: string, value: string) => {
    if (value === '') return pair;
    if (isCredentialKey(key)) return `"${key}":"${CENSOR}"`;
    if (isUrlKey(key) && value.includes('://')) return `"${key}":"${redactUrl(value)}"`;
    return pair;
  });
  return redactText(keyed);
}
